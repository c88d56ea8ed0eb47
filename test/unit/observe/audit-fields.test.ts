/** The original's audit field names and values beside ours (src/observe/audit-fields.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFields, originalAuthMethod } from '../../../src/observe/audit-fields.js';
import type { Sks5Event } from '../../../src/observe/events.js';

const at = '2026-01-01T00:00:00.000Z';

test("auth events carry the original's method: socks5 on the SOCKS5 door, the login method on SSH", () => {
  const ev = (type: 'auth.success' | 'auth.failure', protocol: 'ssh' | 'socks5' | 'socks5-tls', method: string): Sks5Event =>
    ({ type, timestamp: at, data: type === 'auth.success' ? { username: 'alice', source_ip: '127.0.0.1', method, protocol, conn_id: 'c1' } : { username: 'alice', source_ip: '127.0.0.1', method, protocol, conn_id: 'c1', reason: 'r' } }) as Sks5Event;
  const f = auditFields(ev('auth.success', 'socks5', 'password'));
  assert.equal(f['method'], 'socks5');
  assert.equal(f['auth_method'], 'password');
  assert.equal(f['correlation_id'], 'c1');
  assert.equal(f['conn_id'], 'c1', 'our own fields stay');
  assert.equal(auditFields(ev('auth.success', 'socks5-tls', 'password+totp'))['method'], 'socks5');
  assert.equal(auditFields(ev('auth.failure', 'socks5', 'password+totp'))['method'], 'socks5+totp');
  assert.equal(auditFields(ev('auth.failure', 'socks5', 'password'))['method'], 'socks5');
  assert.equal(auditFields(ev('auth.success', 'ssh', 'password+totp'))['method'], 'password');
  assert.equal(auditFields(ev('auth.success', 'ssh', 'publickey'))['method'], 'publickey');
  assert.equal(originalAuthMethod('auth.failure', 'ssh', 'publickey+password'), 'publickey');
});

test('proxy.complete, quota.exceeded, session.ended, rate_limit.exceeded: the original names for the same numbers', () => {
  const p = auditFields({ type: 'proxy.complete', timestamp: at, data: { username: 'a', source_ip: '1.2.3.4', target_host: 'h', target_port: 80, resolved_ip: '5.6.7.8', protocol: 'ssh', conn_id: 'c', session_id: 's1', bytes_up: 10, bytes_down: 32, duration_ms: 7 } });
  assert.deepEqual([p['bytes_uploaded'], p['bytes_downloaded'], p['bytes_transferred'], p['duration_ms'], p['resolved_ip']], [10, 32, 42, 7, '5.6.7.8']);
  const q = auditFields({ type: 'quota.exceeded', timestamp: at, data: { username: 'a', quota: 'daily_bandwidth_bytes', used: 900, limit: 1000 } });
  assert.deepEqual([q['quota_type'], q['current_usage'], q['limit']], ['daily_bandwidth_bytes', 900, 1000]);
  assert.equal(q['correlation_id'], undefined, 'no conn_id, no correlation_id');
  const s = auditFields({ type: 'session.ended', timestamp: at, data: { username: 'a', source_ip: '1.2.3.4', protocol: 'ssh', conn_id: 'c', duration_ms: 2999, total_bytes: 5 } });
  assert.deepEqual([s['duration_secs'], s['total_bytes']], [2, 5]);
  const r = auditFields({ type: 'rate_limit.exceeded', timestamp: at, data: { source_ip: '1.2.3.4', limit: 'connections_per_minute' } });
  assert.equal(r['limit_type'], 'connections_per_minute');
});
