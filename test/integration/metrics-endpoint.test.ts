/**
 * The metrics listener, scraped through Fastify and parsed by a strict Prometheus text-format
 * (0.0.4) parser written here, so a malformed exposition or a duplicated series fails the test.
 * Events are emitted on a real EventBus, exactly as the server emits them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/clock.js';
import { EventBus } from '../../src/observe/events.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createMetricsServer } from '../../src/api/metrics-server.js';
import { createApiServer } from '../../src/api/server.js';
import { FakePort } from '../unit/api/fake-port.js';

interface Sample { name: string; labels: Record<string, string>; value: number }
interface Family { type: string; help: string; samples: Sample[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parses the exposition format strictly; throws with the line number on anything off. */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'exposition ends with a newline');
  const familyOf = (name: string): Family | undefined => {
    for (const suffix of ['', '_bucket', '_sum', '_count']) {
      if (suffix && !name.endsWith(suffix)) continue;
      const f = families.get(name.slice(0, name.length - suffix.length));
      if (f && (suffix === '' || f.type === 'histogram' || f.type === 'summary')) return f;
    }
    return undefined;
  };
  lines.forEach((line, i) => {
    const at = `line ${i + 1}: ${line}`;
    if (line === '') return;
    if (line.startsWith('# HELP ')) {
      const [, name = '', help = ''] = /^# HELP (\S+) ?(.*)$/.exec(line) ?? [];
      assert.match(name, NAME, at);
      assert.ok(!families.has(name) || families.get(name)?.help === '', `HELP twice: ${at}`);
      families.set(name, { type: families.get(name)?.type ?? '', help, samples: [] });
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const m = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      assert.ok(m, `bad TYPE ${at}`);
      const f = families.get(m[1] as string);
      assert.ok(f && f.type === '' && f.samples.length === 0, `TYPE must come once, before samples: ${at}`);
      f.type = m[2] as string;
      return;
    }
    if (line.startsWith('#')) return;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    assert.ok(m, `bad sample ${at}`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest.length) {
      const lm = /^([^=]+)="((?:[^"\\]|\\["\\n])*)"(,|$)/.exec(rest);
      assert.ok(lm, `bad labels ${at}`);
      assert.match(lm[1] as string, LABEL, at);
      assert.ok(!((lm[1] as string) in labels), `duplicate label ${at}`);
      labels[lm[1] as string] = (lm[2] as string).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      rest = rest.slice(lm[0].length);
    }
    // Prometheus parses values with Go's ParseFloat: Inf and NaN in any letter case.
    const raw = (m[3] as string).toLowerCase();
    const value = raw === '+inf' || raw === 'inf' ? Infinity : raw === '-inf' ? -Infinity : raw === 'nan' ? NaN : Number(raw);
    assert.ok(['nan', 'inf', '+inf', '-inf'].includes(raw) || /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(raw), `bad value ${at}`);
    const key = `${m[1]}${JSON.stringify(Object.entries(labels).sort())}`;
    assert.ok(!seen.has(key), `duplicate series ${at}`);
    seen.add(key);
    const f = familyOf(m[1] as string);
    assert.ok(f, `sample without HELP/TYPE ${at}`);
    f.samples.push({ name: m[1] as string, labels, value });
  });
  for (const [name, f] of families) {
    assert.ok(!name.includes('_total_total'), `${name}: _total twice`);
    if (f.type === 'counter') assert.match(name, /_total$/, `counter ${name} ends in _total`);
  }
  return families;
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const f = families.get(name) ?? families.get(base);
  return f?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value;
}

test('/metrics exposes the original names, once each, and they move with events', async (t) => {
  const events = new EventBus();
  let maintenance = false;
  const metrics = createMetrics({
    events, maxLabels: 2,
    dns: () => ({ hits: 7, misses: 3 }),
    auditDropped: () => 2,
    persistence: () => ({ available: true, state_file_bytes: 512, reputation_file_bytes: 64, state_flush_total: 4, state_flush_errors_total: 1, reputation_flush_total: 2, reputation_flush_errors_total: 0 }),
    webhooks: () => ({ delivered: 5, failed: 1, dropped: 0, refused: 2 }),
    quotaUsage: () => [{ username: 'alice', hourly_bytes: 10, daily_bytes: 20, monthly_bytes: 30, daily_connections: 1, monthly_connections: 2 }],
  });
  t.after(() => metrics.close());
  const server = createMetricsServer({ metrics, status: () => ({ maintenance, total_users: 2 }) });
  t.after(() => server.close());

  const base = { source_ip: '192.0.2.1', protocol: 'ssh' as const, conn_id: 'c1' };
  events.emit('connection.new', { ...base, source_port: 5000 });
  events.emit('connection.new', { ...base, source_port: 5001, protocol: 'socks5' });
  events.emit('auth.failure', { ...base, username: 'who?', method: 'password', reason: 'bad password' });
  events.emit('auth.success', { ...base, username: 'alice', method: 'publickey' });
  events.emit('session.authenticated', { ...base, username: 'alice', method: 'publickey' });
  events.emit('proxy.start', { ...base, username: 'alice', target_host: 'example.com', target_port: 443, resolved_ip: '93.184.216.34', session_id: 's1' });
  events.emit('proxy.complete', { ...base, username: 'alice', target_host: 'example.com', target_port: 443, resolved_ip: '93.184.216.34', session_id: 's1', bytes_up: 100, bytes_down: 2500, duration_ms: 1200 });
  events.emit('acl.deny', { ...base, username: 'alice', target_host: '10.0.0.1', target_port: 22, code: 'SKS5_DENY_ACL', reason: 'deny 10.0.0.0/8' });
  events.emit('connection.rejected', { source_ip: '192.0.2.9', code: 'SKS5_DENY_BANNED', reason: 'banned', protocol: 'ssh' });
  events.emit('quota.exceeded', { username: 'alice', quota: 'daily_bandwidth', used: 10, limit: 5 });
  events.emit('ban.created', { ip: '192.0.2.9', duration_secs: 900, reason: 'auth failures' });
  events.emit('ban.created', { ip: '192.0.2.10', duration_secs: 900, reason: 'auth failures' });
  events.emit('ban.removed', { ip: '192.0.2.10', by: 'api' });
  events.emit('auth.success', { ...base, username: 'bob', method: 'password' });
  events.emit('auth.success', { ...base, username: 'carol', method: 'password' });
  events.emit('auth.success', { ...base, username: 'dave', method: 'password' });

  const r = await server.inject('/metrics');
  assert.equal(r.statusCode, 200);
  assert.match(r.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  const f = parseExposition(r.body);
  assert.equal(value(f, 'sks5_connections_total', { protocol: 'ssh' }), 1);
  assert.equal(value(f, 'sks5_connections_total', { protocol: 'socks5' }), 1);
  assert.equal(value(f, 'sks5_transport_connections_active', { protocol: 'ssh' }), 1);
  assert.equal(value(f, 'sks5_auth_failures_total', { method: 'password' }), 1);
  assert.equal(value(f, 'sks5_auth_successes_total', { user: 'alice', method: 'publickey' }), 1);
  assert.equal(value(f, 'sks5_connections_active', { user: 'alice' }), 1);
  assert.equal(value(f, 'sks5_sessions_active'), 0);
  assert.equal(value(f, 'sks5_bytes_transferred_total', { user: 'alice', direction: 'up' }), 100);
  assert.equal(value(f, 'sks5_bytes_transferred_total', { user: 'alice', direction: 'down' }), 2500);
  assert.equal(value(f, 'sks5_acl_denied_total', { code: 'SKS5_DENY_ACL' }), 1);
  assert.equal(value(f, 'sks5_errors_total', { error_type: 'acl_denied' }), 1);
  assert.equal(value(f, 'sks5_connections_rejected_total', { reason: 'banned' }), 1);
  assert.equal(value(f, 'sks5_quota_exceeded_total', { user: 'alice', type: 'daily_bandwidth' }), 1);
  assert.equal(value(f, 'sks5_banned_ips_current'), 1);
  assert.equal(value(f, 'sks5_dns_cache_hits_total'), 7);
  assert.equal(value(f, 'sks5_dns_cache_misses_total'), 3);
  assert.equal(value(f, 'sks5_audit_events_dropped_total'), 2);
  assert.equal(value(f, 'sks5_persistence_available'), 1);
  assert.equal(value(f, 'sks5_persistence_state_file_bytes'), 512);
  assert.equal(value(f, 'sks5_persistence_state_flush_errors_total'), 1);
  assert.equal(value(f, 'sks5_quota_bandwidth_used_bytes', { user: 'alice', window: 'daily' }), 20);
  assert.equal(value(f, 'sks5_quota_connections_used', { user: 'alice', window: 'monthly' }), 2);
  assert.equal(value(f, 'sks5_webhook_deliveries_total', { result: 'refused' }), 2);
  assert.equal(f.get('sks5_build_info')?.samples[0]?.value, 1);
  assert.ok((value(f, 'process_resident_memory_bytes') ?? 0) > 0);
  // max_metric_labels = 2: alice and bob get labels, carol and dave share _other.
  assert.equal(value(f, 'sks5_auth_successes_total', { user: 'bob', method: 'password' }), 1);
  assert.equal(value(f, 'sks5_auth_successes_total', { user: '_other', method: 'password' }), 2);
  assert.equal(value(f, 'sks5_metrics_cardinality_capped_total'), 2);
  assert.equal(f.get('sks5_connections_total')?.type, 'counter');
  assert.equal(f.get('sks5_connection_duration_seconds')?.type, 'histogram');

  events.emit('session.ended', { ...base, username: 'alice', duration_ms: 42_000, total_bytes: 0 });
  events.emit('session.ended', { ...base, username: 'alice', duration_ms: 1, total_bytes: 0 });
  const f2 = parseExposition((await server.inject('/metrics')).body);
  assert.equal(value(f2, 'sks5_connections_active', { user: 'alice' }), 0, 'never negative');
  assert.equal(value(f2, 'sks5_connection_duration_seconds_count', { user: 'alice' }), 2);
  assert.equal(value(f2, 'sks5_connection_duration_seconds_bucket', { user: 'alice', le: '60' }), 2);
  assert.equal(value(f2, 'sks5_connection_duration_seconds_bucket', { user: 'alice', le: '30' }), 1);

  assert.equal((await server.inject('/health')).body, 'ok');
  assert.equal((await server.inject('/livez')).body, 'ok');
  assert.equal((await server.inject('/readyz')).json().ready, true);
  maintenance = true;
  const h = await server.inject('/health');
  assert.deepEqual([h.statusCode, h.body], [503, 'maintenance']);
  assert.equal((await server.inject('/readyz')).statusCode, 503);
});

test('API requests are counted by route pattern, not by raw URL', async (t) => {
  const events = new EventBus();
  const metrics = createMetrics({ events, maxLabels: 10, processMetrics: false });
  t.after(() => metrics.close());
  const clock = new FakeClock(0);
  const api = createApiServer({ port: new FakePort(), events, token: 'metrics-token-0123456789', clock, metrics });
  t.after(() => api.close());
  await api.inject({ url: '/api/users/alice', headers: { authorization: 'Bearer metrics-token-0123456789' } });
  await api.inject({ url: '/api/users/bob', headers: { authorization: 'Bearer metrics-token-0123456789' } });
  await api.inject({ url: '/api/users/bob' });
  const f = parseExposition(await metrics.render());
  assert.equal(value(f, 'sks5_http_requests_total', { method: 'GET', path: '/api/users/:username', status: '200' }), 2);
  assert.equal(value(f, 'sks5_http_requests_total', { method: 'GET', path: '/api/users/:username', status: '401' }), 1);
  assert.equal(value(f, 'sks5_http_request_duration_seconds_count', { method: 'GET', path: '/api/users/:username' }), 3);
});

test('the strict parser itself rejects malformed expositions', () => {
  assert.throws(() => parseExposition('x_total 1\n'), /without HELP/);
  assert.throws(() => parseExposition('# HELP a_total h\n# TYPE a_total counter\na_total{l="1"} 1\na_total{l="1"} 2\n'), /duplicate series/);
  assert.throws(() => parseExposition('# HELP a_total_total h\n# TYPE a_total_total counter\n'), /_total twice/);
  assert.throws(() => parseExposition('# HELP a h\n# TYPE a gauge\na{l=1} 1\n'), /bad labels/);
  assert.throws(() => parseExposition('# HELP a h\n# TYPE a gauge\na one\n'), /bad value/);
});
