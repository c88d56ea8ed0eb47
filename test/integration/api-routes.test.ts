/**
 * The REST API through fastify.inject. The server state behind it is a FAKE (test/unit/api/
 * fake-port.ts); the HTTP layer under test (routing, auth, schemas, serialization, errors) is real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observe/log.js';
import { FakeClock } from '../../src/clock.js';
import { EventBus } from '../../src/observe/events.js';
import { createApiServer } from '../../src/api/server.js';
import { MAX_RESTORED_BAN_SECS } from '../../src/api/routes-ops.js';
import { FakePort } from '../unit/api/fake-port.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

function setup(token = TOKEN) {
  const port = new FakePort();
  const clock = new FakeClock('2026-03-01T12:00:00Z');
  const app = createApiServer({ port, events: new EventBus(() => clock.now()), token, clock });
  return { app, port, clock };
}

type Method = 'GET' | 'POST' | 'DELETE';
/** Every authenticated route with a request that succeeds against the fake. */
const AUTHED: Array<{ method: Method; url: string; body?: unknown }> = [
  { method: 'GET', url: '/api/status' },
  { method: 'GET', url: '/api/users' },
  { method: 'GET', url: '/api/users?details=true' },
  { method: 'GET', url: '/api/users/alice' },
  { method: 'GET', url: '/api/connections' },
  { method: 'GET', url: '/api/bans' },
  { method: 'DELETE', url: '/api/bans/203.0.113.9' },
  { method: 'POST', url: '/api/maintenance' },
  { method: 'POST', url: '/api/reload' },
  { method: 'POST', url: '/api/sse-ticket' },
  { method: 'POST', url: '/api/kick/alice', body: { message: 'bye' } },
  { method: 'POST', url: '/api/broadcast', body: { message: 'hello' } },
  { method: 'GET', url: '/api/quotas' },
  { method: 'GET', url: '/api/quotas/alice' },
  { method: 'POST', url: '/api/quotas/alice/reset' },
  { method: 'GET', url: '/api/ssh-config?user=alice&host=bastion.example.com' },
  { method: 'GET', url: '/api/groups' },
  { method: 'GET', url: '/api/groups/ops' },
  { method: 'GET', url: '/api/sessions' },
  { method: 'GET', url: '/api/sessions/alice' },
  { method: 'GET', url: '/api/backup' },
  { method: 'POST', url: '/api/restore', body: { version: 1, timestamp: 'x', bans: [], quotas: {} } },
  { method: 'GET', url: '/api/fingerprints' },
  { method: 'POST', url: '/api/fingerprints/fp-one/approve' },
  { method: 'POST', url: '/api/fingerprints/fp-one/block' },
  { method: 'POST', url: '/api/fingerprints/fp-one/pending', body: { label: 'x' } },
  { method: 'POST', url: '/api/fingerprints/fp-one/label', body: { label: 'laptop' } },
  { method: 'GET', url: '/api/openapi.json' },
];

function inject(app: ReturnType<typeof setup>['app'], r: { method: Method; url: string; body?: unknown }, headers: Record<string, string> = {}) {
  return app.inject({ method: r.method, url: r.url, headers, ...(r.body === undefined ? {} : { payload: r.body as object }) });
}

test('every authenticated route answers 200 with the token and 401 without it or with a wrong one', async (t) => {
  for (const r of AUTHED) {
    const { app } = setup();
    t.after(() => app.close());
    const good = await inject(app, r, auth);
    assert.equal(good.statusCode, 200, `${r.method} ${r.url}: ${good.body}`);
    if (!r.url.startsWith('/api/ssh-config') && r.url !== '/api/openapi.json') assert.equal(good.json().success, true, `${r.method} ${r.url}`);
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abc' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const bad = await inject(app, r, headers);
      assert.equal(bad.statusCode, 401, `${r.method} ${r.url} with ${JSON.stringify(headers)}`);
      assert.deepEqual(bad.json(), { success: false, data: null, error: 'unauthorized', code: 'SKS5_ERR_API_UNAUTHORIZED' });
    }
    const inUrl = await inject(app, { ...r, url: `${r.url}${r.url.includes('?') ? '&' : '?'}token=${TOKEN}` });
    assert.equal(inUrl.statusCode, 401, 'the token is never accepted in the URL');
  }
});

test('an empty configured token refuses every authenticated route with 503', async (t) => {
  const { app } = setup('');
  t.after(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/api/status', headers: { authorization: 'Bearer ' } });
  assert.equal(r.statusCode, 503);
  assert.equal(r.json().error, 'API token not configured');
});

test('/api/health, /livez and /readyz need no token; health and readyz say 503 in maintenance', async (t) => {
  const { app, port } = setup();
  t.after(() => app.close());
  const h = await app.inject('/api/health');
  assert.equal(h.statusCode, 200);
  assert.deepEqual(h.json(), { success: true, data: { status: 'ok', maintenance: false, active_connections: 2, uptime_secs: 12 }, error: null });
  assert.equal((await app.inject('/livez')).body, 'ok');
  assert.deepEqual((await app.inject('/readyz')).json(), { ready: true, checks: { auth: 'ok', metrics: 'ok', maintenance: 'disabled' } });
  port.setMaintenance(true, 'test');
  const hm = await app.inject('/api/health');
  assert.equal(hm.statusCode, 503);
  assert.equal(hm.json().data.status, 'maintenance');
  const rz = await app.inject('/readyz');
  assert.equal(rz.statusCode, 503);
  assert.equal(rz.json().checks.maintenance, 'enabled');
});

test('responses never carry a password hash, TOTP secret or token, even if the server state leaks one', async (t) => {
  const { app } = setup();
  t.after(() => app.close());
  for (const url of ['/api/users', '/api/users?details=true', '/api/users/alice']) {
    const body = (await app.inject({ url, headers: auth })).body;
    assert.doesNotMatch(body, /argon2|JBSWY3DP|password_hash|totp_secret|"token"|leak/, url);
  }
  const detail = (await app.inject({ url: '/api/users/alice', headers: auth })).json().data;
  assert.equal(detail.has_password, true);
  assert.equal(detail.totp_enabled, true);
  assert.deepEqual(detail.acl, { default_policy: 'allow', allow_rules: [], deny_rules: ['10.0.0.0/8:*'] });
});

test('users: the plain list hides live fields, ?details=true shows them; unknown users are 404', async (t) => {
  const { app } = setup();
  t.after(() => app.close());
  const plain = (await app.inject({ url: '/api/users', headers: auth })).json();
  assert.deepEqual(plain.data[0], { username: 'alice', allow_shell: true, authorized_keys_count: 1, source_ips: [], expires_at: null });
  assert.equal(plain.next_cursor, null);
  for (const v of ['true', '1', 'yes']) {
    const d = (await app.inject({ url: `/api/users?details=${v}`, headers: auth })).json();
    assert.equal(d.data[0].current_connections, 1);
    assert.equal(d.data[0].quota_usage.username, 'alice');
  }
  for (const url of ['/api/users/nobody', '/api/quotas/nobody', '/api/sessions/nobody', '/api/groups/nope']) {
    const r = await app.inject({ url, headers: auth });
    assert.equal(r.statusCode, 404, url);
    assert.equal(r.json().success, false);
    assert.match(r.json().error, /not found/);
  }
  for (const [method, url] of [['POST', '/api/kick/nobody'], ['POST', '/api/quotas/nobody/reset'], ['POST', '/api/fingerprints/nope/approve']] as const) {
    assert.equal((await app.inject({ method, url, headers: auth })).statusCode, 404, url);
  }
});

test('pagination: limit and cursor walk a list without repeats; a forged cursor is 400', async (t) => {
  const { app, port } = setup();
  t.after(() => app.close());
  port.banList = Array.from({ length: 7 }, (_, i) => ({ ip: `192.0.2.${i + 10}`, remaining_secs: 60 }));
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 10; i += 1) {
    const url: string = `/api/bans?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
    const page = (await app.inject({ url, headers: auth })).json();
    seen.push(...page.data.map((b: { ip: string }) => b.ip));
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual(seen, port.banList.map((b) => b.ip).sort());
  const bad = await app.inject({ url: '/api/bans?cursor=!!notacursor', headers: auth });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error, /cursor/);
  assert.equal((await app.inject({ url: '/api/sessions?limit=0', headers: auth })).statusCode, 400);
  assert.equal((await app.inject({ url: '/api/sessions?limit=5000', headers: auth })).statusCode, 400);
});

test('malformed bodies get 400 with a message naming the problem; oversize bodies get 413', async (t) => {
  const { app } = setup();
  t.after(() => app.close());
  const cases: Array<[string, string, string | object, RegExp]> = [
    ['/api/broadcast', 'application/json', '{"message":', /JSON|Unexpected|body/i],
    ['/api/broadcast', 'application/json', {}, /body must have required property 'message'/],
    ['/api/broadcast', 'application/json', { message: 42 }, /body\/message must be string/],
    ['/api/broadcast', 'application/json', { message: 'x', extra: 1 }, /additional properties/],
    ['/api/maintenance', 'application/json', { enabled: 'yes' }, /body\/enabled must be boolean/],
    ['/api/restore', 'application/json', { version: 1, bans: 'no', quotas: {} }, /body\/bans must be array/],
    ['/api/restore', 'application/json', { version: 1, bans: [{ ip: 'not-an-ip', remaining_secs: 5 }], quotas: {} }, /not an IP address/],
    ['/api/fingerprints/fp-one/label', 'application/json', {}, /required property 'label'/],
  ];
  for (const [url, type, payload, re] of cases) {
    const r = await app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': type }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
    assert.equal(r.statusCode, 400, `${url} ${JSON.stringify(payload)}: ${r.body}`);
    assert.equal(r.json().success, false);
    assert.match(r.json().error, re);
  }
  const empty = await app.inject({ method: 'POST', url: '/api/maintenance', headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
  assert.equal(empty.statusCode, 200, 'an empty JSON body is no body');
  const emptyBroadcast = await app.inject({ method: 'POST', url: '/api/broadcast', headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
  assert.equal(emptyBroadcast.statusCode, 400);
  const proto = await app.inject({ method: 'POST', url: '/api/broadcast', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"message":"x","__proto__":{"admin":true}}' });
  assert.equal(proto.statusCode, 400, 'prototype keys are refused');
  const textBody = await app.inject({ method: 'POST', url: '/api/broadcast', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' });
  assert.equal(textBody.statusCode, 400);
  assert.equal(textBody.json().error, 'body must be object');
  const big = await app.inject({ method: 'POST', url: '/api/broadcast', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ message: 'x'.repeat(70 * 1024) }) });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error, 'request body larger than 65536 bytes');
  assert.equal(big.json().success, false);
  const badIp = await app.inject({ method: 'DELETE', url: '/api/bans/999.1.1.1', headers: auth });
  assert.equal(badIp.statusCode, 400);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/bans/192.0.2.200', headers: auth })).statusCode, 404);
  const ssh = await app.inject({ url: '/api/ssh-config?user=alice%0AProxyCommand%20evil', headers: auth });
  assert.equal(ssh.statusCode, 400, 'no newline injection into the ssh config snippet');
});

test('operations reach the server: unban, maintenance toggle/set, kick, broadcast, quota reset, reload', async (t) => {
  const { app, port } = setup();
  t.after(() => app.close());
  assert.deepEqual((await app.inject({ method: 'DELETE', url: '/api/bans/203.0.113.9', headers: auth })).json().data, { ip: '203.0.113.9', unbanned: true });
  assert.equal(port.banList.length, 0);
  assert.equal((await app.inject({ method: 'POST', url: '/api/maintenance', headers: auth })).json().data.maintenance, true);
  assert.equal((await app.inject({ method: 'POST', url: '/api/maintenance', headers: auth })).json().data.maintenance, false);
  await app.inject({ method: 'POST', url: '/api/maintenance', headers: auth, payload: { enabled: true, message: 'upgrading' } });
  assert.deepEqual(port.maintenanceState, { enabled: true, message: 'upgrading' });
  const kick = (await app.inject({ method: 'POST', url: '/api/kick/alice', headers: auth, payload: { message: 'bye' } })).json();
  assert.deepEqual(kick.data, { kicked: true, username: 'alice', sessions_cancelled: 1 });
  assert.deepEqual(port.kicked, [{ username: 'alice', message: 'bye' }]);
  // the dashboard's word for it is accepted too; `message` wins when both are sent
  await app.inject({ method: 'POST', url: '/api/kick/alice', headers: auth, payload: { reason: 'maintenance' } });
  await app.inject({ method: 'POST', url: '/api/kick/alice', headers: auth, payload: { reason: 'r', message: 'm' } });
  assert.deepEqual(port.kicked.slice(1), [{ username: 'alice', message: 'maintenance' }, { username: 'alice', message: 'm' }]);
  const bc = (await app.inject({ method: 'POST', url: '/api/broadcast', headers: auth, payload: { message: 'hi', users: ['bob'] } })).json();
  assert.deepEqual(bc.data, { delivered_to: 1 });
  assert.deepEqual((await app.inject({ method: 'POST', url: '/api/quotas/bob/reset', headers: auth })).json().data, { username: 'bob', reset: true });
  assert.deepEqual(port.resets, ['bob']);
  assert.deepEqual((await app.inject({ method: 'POST', url: '/api/reload', headers: auth })).json().data, { users_count: 2 });
  port.nextReload = { ok: false, errors: ['users.0.password_hash: expected an Argon2 PHC string'] };
  const failed = await app.inject({ method: 'POST', url: '/api/reload', headers: auth });
  assert.equal(failed.statusCode, 422);
  assert.equal(failed.json().success, false);
  assert.match(failed.json().error, /nothing changed.*password_hash/);
  assert.deepEqual(failed.json().data.errors, ['users.0.password_hash: expected an Argon2 PHC string']);
});

test('backup then restore round-trips, enveloped or bare, with ban durations capped', async (t) => {
  const { app, port } = setup();
  t.after(() => app.close());
  port.banList = [{ ip: '192.0.2.1', remaining_secs: 100 }, { ip: '2001:db8::1', remaining_secs: 10 * 365 * 86400 }];
  const backup = (await app.inject({ url: '/api/backup', headers: auth })).json();
  assert.equal(backup.success, true);
  // What `sks5 backup` saves (the whole response) restores as-is ...
  const r1 = await app.inject({ method: 'POST', url: '/api/restore', headers: auth, payload: backup });
  assert.equal(r1.statusCode, 200, r1.body);
  assert.deepEqual(r1.json().data, { restored_bans: 2, restored_quotas: 1 });
  // ... and so does the bare payload.
  const r2 = await app.inject({ method: 'POST', url: '/api/restore', headers: auth, payload: backup.data });
  assert.equal(r2.statusCode, 200);
  for (const p of port.restored) {
    assert.deepEqual(p.bans, [{ ip: '192.0.2.1', remaining_secs: 100 }, { ip: '2001:db8::1', remaining_secs: MAX_RESTORED_BAN_SECS }]);
    assert.deepEqual(p.quotas, backup.data.quotas);
  }
  // A busy server's backup is past the 64 KiB limit of other routes; restore still takes it.
  port.banList = Array.from({ length: 3000 }, (_, i) => ({ ip: `10.${(i >> 8) & 255}.${i & 255}.1`, remaining_secs: 60 }));
  const big = (await app.inject({ url: '/api/backup', headers: auth })).body;
  assert.ok(big.length > 64 * 1024);
  const r3 = await app.inject({ method: 'POST', url: '/api/restore', headers: { ...auth, 'content-type': 'application/json' }, payload: big });
  assert.equal(r3.statusCode, 200, r3.body.slice(0, 200));
  assert.equal(r3.json().data.restored_bans, 3000);
});

test('ssh-config returns a text snippet with the listen port; fingerprints approve/label', async (t) => {
  const { app, port } = setup();
  t.after(() => app.close());
  const r = await app.inject({ url: '/api/ssh-config?user=alice&host=bastion.example.com', headers: auth });
  assert.match(r.headers['content-type'] as string, /text\/plain/);
  assert.match(r.body, /HostName bastion\.example\.com\n\s+Port 2222\n\s+User alice\n\s+DynamicForward 1080/);
  await app.inject({ method: 'POST', url: '/api/fingerprints/fp-one/approve', headers: auth, payload: { label: 'ci' } });
  assert.deepEqual([port.fps[0]?.status, port.fps[0]?.label], ['approved', 'ci']);
  await app.inject({ method: 'POST', url: '/api/fingerprints/fp-one/block', headers: auth });
  assert.deepEqual([port.fps[0]?.status, port.fps[0]?.label], ['blocked', 'ci'], 'a status change without a label keeps the label');
  const list = (await app.inject({ url: '/api/fingerprints?status=blocked', headers: auth })).json();
  assert.equal(list.data.length, 1);
  assert.equal((await app.inject({ url: '/api/fingerprints?status=approved', headers: auth })).json().data.length, 0);
});

test('openapi.json lists every registered route with its schemas', async (t) => {
  const { app } = setup();
  t.after(() => app.close());
  const doc = (await app.inject({ url: '/api/openapi.json', headers: auth })).json();
  assert.equal(doc.openapi, '3.1.0');
  const listed = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) for (const m of Object.keys(ops)) listed.add(`${m.toUpperCase()} ${path}`);
  const expected = [
    'GET /livez', 'GET /readyz', 'GET /api/health', 'GET /api/status', 'GET /api/users', 'GET /api/users/{username}', 'GET /api/connections',
    'GET /api/bans', 'DELETE /api/bans/{ip}', 'POST /api/maintenance', 'POST /api/reload', 'POST /api/sse-ticket', 'POST /api/kick/{username}',
    'POST /api/broadcast', 'GET /api/quotas', 'GET /api/quotas/{username}', 'POST /api/quotas/{username}/reset', 'GET /api/ssh-config',
    'GET /api/groups', 'GET /api/groups/{name}', 'GET /api/sessions', 'GET /api/sessions/{username}', 'GET /api/backup', 'POST /api/restore',
    'GET /api/events', 'GET /api/ws', 'GET /api/fingerprints', 'POST /api/fingerprints/{fingerprint}/approve', 'POST /api/fingerprints/{fingerprint}/block',
    'POST /api/fingerprints/{fingerprint}/label', 'GET /api/openapi.json',
  ];
  for (const e of expected) assert.ok(listed.has(e), `openapi.json is missing ${e}`);
  assert.deepEqual(doc.paths['/api/health'].get.security, []);
  assert.deepEqual(doc.paths['/api/status'].get.security, [{ bearer: [] }]);
  assert.ok(doc.paths['/api/broadcast'].post.requestBody.content['application/json'].schema.properties.message);
  assert.ok(doc.paths['/api/users/{username}'].get.responses['200'].content['application/json'].schema.properties.data.properties.has_password);
});

test('request logs never contain the API token', async (t) => {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
  const log = createLogger({ level: 'trace', format: 'json', destination });
  const clock = new FakeClock(0);
  const app = createApiServer({ port: new FakePort(), events: new EventBus(), token: TOKEN, clock, log });
  t.after(() => app.close());
  await app.inject({ url: '/api/users/alice', headers: auth });
  await app.inject({ url: '/api/users/alice', headers: { authorization: 'Bearer wrong-token-0123456789abc' } });
  assert.ok(lines.length > 0, 'requests were logged');
  assert.doesNotMatch(lines.join(''), new RegExp(TOKEN));
  assert.doesNotMatch(lines.join(''), /wrong-token/);
});

test('a failing server call is a 500 "internal error" without the exception text; short tokens are refused at startup', async (t) => {
  const { app, port } = setup();
  t.after(() => app.close());
  port.reload = async () => { throw new Error('EACCES /etc/sks5/config.toml secret detail'); };
  port.users = () => { throw new Error('boom secret detail'); };
  for (const [method, url] of [['POST', '/api/reload'], ['GET', '/api/users']] as const) {
    const r = await app.inject({ method, url, headers: auth });
    assert.equal(r.statusCode, 500, url);
    assert.deepEqual(r.json(), { success: false, data: null, error: 'internal error', code: 'SKS5_ERR_INTERNAL' });
  }
  const ok = await app.inject({ url: '/api/status', headers: auth });
  assert.equal(ok.headers['cache-control'], 'no-store');
  assert.throws(() => createApiServer({ port, events: new EventBus(), token: 'short', clock: new FakeClock(0) }), /at least 16 characters/);
});
