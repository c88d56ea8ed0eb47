/**
 * createServerShellPort over the real ACL compiler, the real address filter and anti-SSRF guard,
 * and real TCP connects on loopback: what `test`, `ping` and `resolve` will report in production.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { compileAcl } from '../../src/policy/acl.js';
import { compileSsrfGuard } from '../../src/policy/ssrf-guard.js';
import { systemClock } from '../../src/clock.js';
import { createServerShellPort, type ServerShellPortDeps } from '../../src/shell/server-port.js';
import { makeInfo, makeUser, MemoryStore } from '../unit/shell/shell-fixtures.js';

function port(over: Partial<ServerShellPortDeps> = {}) {
  const acl = compileAcl({ default_policy: 'allow', allow: [], deny: ['10.0.0.0/8:*', 'blocked.example:*'] });
  return createServerShellPort({
    acl: () => acl,
    ipGuard: () => compileSsrfGuard(false, []),
    connectTimeoutMs: () => 5000,
    dns: { resolve: async (h) => (h === 'loop.test' ? ['127.0.0.1'] : h === 'ten.test' ? ['10.9.9.9'] : Promise.reject(Object.assign(new Error('nx'), { code: 'ENOTFOUND' }))) },
    tunnels: () => [{ targetHost: '::1', targetPort: 22, startedAt: 1, bytesUp: 2, bytesDown: 3, door: 'ssh' }],
    usage: () => ({ daily_bytes: 1, daily_connections: 2, monthly_bytes: 3, monthly_connections: 4, current_rate_bps: 5, hourly_bytes: 6, total_bytes: 7 }),
    store: new MemoryStore(),
    clock: systemClock,
    ...over,
  });
}

const info = makeInfo(makeUser());
const signal = new AbortController().signal;

test('testConnect: allowed by policy, then a real TCP connect to the resolved address', async (t) => {
  const srv = createServer((s) => s.end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  t.after(() => { srv.close(); });
  const p = (srv.address() as { port: number }).port;
  const r = await port().testConnect(info, 'loop.test', p, signal);
  assert.equal(r.allowed, true);
  assert.equal(r.connected, true);
  assert.deepEqual(r.addresses, ['127.0.0.1']);
  assert.equal(typeof r.ms, 'number');
  assert.equal(r.rule, 'default policy: allow');
});

test('testConnect: refused port reports the socket error', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const p = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const r = await port().testConnect(info, '127.0.0.1', p, signal);
  assert.equal(r.allowed, true);
  assert.equal(r.connected, false);
  assert.equal(r.error, 'ECONNREFUSED');
});

test('denials name the rule: by name before DNS, by address after DNS, anti-SSRF, DNS failure', async () => {
  const byName = await port().checkAccess(info, 'blocked.example', 80, signal);
  assert.deepEqual([byName.allowed, byName.rule], [false, 'blocked.example:*']);
  const byAddress = await port().testConnect(info, 'ten.test', 80, signal);
  assert.deepEqual([byAddress.allowed, byAddress.rule, byAddress.connected], [false, '10.0.0.0/8:*', undefined]);
  const ssrf = await port({ ipGuard: () => compileSsrfGuard(true, []) }).checkAccess(info, 'loop.test', 80, signal);
  assert.deepEqual([ssrf.allowed, ssrf.rule], [false, 'anti-SSRF guard']);
  const nx = await port().checkAccess(info, 'nx.test', 80, signal);
  assert.equal(nx.allowed, false);
  assert.match(nx.reason, /DNS lookup failed \(ENOTFOUND\)/);
  const refused = await port({ accountRefusal: () => 'outside your access hours' }).checkAccess(info, 'loop.test', 80, signal);
  assert.deepEqual([refused.allowed, refused.reason], [false, 'outside your access hours']);
});

test('usage and tunnels map to the shell shapes', () => {
  const p = port();
  assert.deepEqual(p.activeConnections('alice'), [{ target: '[::1]:22', protocol: 'ssh', startedAt: 1, bytesUp: 2, bytesDown: 3 }]);
  assert.deepEqual(p.bandwidth('alice'), { hourlyBytes: 6, dailyBytes: 1, monthlyBytes: 3, totalBytes: 7, currentBytesPerSec: 5 });
  assert.deepEqual(p.connectionHistory('alice'), { today: 2, month: 4, todayBytes: 1, monthBytes: 3 });
});
