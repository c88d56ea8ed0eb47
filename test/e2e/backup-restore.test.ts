/**
 * Backup and restore through the real API of the built server, with state made by real clients
 * (curl through SOCKS5, failed logins that trip the auto-ban): backup -> wipe -> restore gives back
 * the same bans and quota counters, and a document in the original's shape restores too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startHttpTarget, startSks5, testHash, withApiToml, type Sks5Process } from '../helpers/sks5-process.js';
import { VERSION } from '../../src/version.js';

const run = promisify(execFile);
const TOKEN = 'backup-e2e-token-0123456789';
const BODY = 'x'.repeat(3000);

async function api(srv: Sks5Process, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${srv.api!.port}${path}`, {
    ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  return { status: res.status, body: await res.json() };
}

/** curl through the SOCKS5 door; resolves with curl's exit code (97 = the proxy refused). */
async function curl(srv: Sks5Process, creds: string, url: string, from = '127.0.0.1'): Promise<{ code: number; stdout: string }> {
  try {
    const r = await run('curl', ['-sS', '--max-time', '20', '--interface', from, '--socks5', `${creds}@127.0.0.1:${srv.socks5!.port}`, url]);
    return { code: 0, stdout: r.stdout };
  } catch (err) {
    return { code: (err as { code: number }).code, stdout: '' };
  }
}

async function config(): Promise<string> {
  const hash = await testHash('secret');
  return `${withApiToml(TOKEN)}
[security]
ip_guard_enabled = false
ban_threshold = 2
ban_duration = 3600
[[users]]
username = "alice"
password_hash = "${hash}"
`;
}

function sameBans(actual: Array<{ ip: string; remaining_secs: number }>, expected: Array<{ ip: string; remaining_secs: number }>): void {
  assert.deepEqual(actual.map((b) => b.ip).sort(), expected.map((b) => b.ip).sort());
  for (const e of expected) {
    const a = actual.find((b) => b.ip === e.ip)!;
    // The clock runs between backup and restore: a few seconds less, never more.
    assert.ok(a.remaining_secs <= e.remaining_secs && a.remaining_secs >= e.remaining_secs - 30, `${e.ip}: ${a.remaining_secs}s left, backup said ${e.remaining_secs}s`);
  }
}

test('backup -> wipe -> restore gives back the bans and quota counters real clients made', async (t) => {
  const port = await startHttpTarget(t, BODY);
  const srv = await startSks5(t, await config(), { expect: ['socks5', 'ssh', 'api'] });
  const url = `http://127.0.0.1:${port}/`;

  // Real traffic for alice, and an address that fails twice and is banned.
  for (let i = 0; i < 2; i++) assert.equal((await curl(srv, 'alice:secret', url)).stdout, BODY);
  for (let i = 0; i < 2; i++) assert.notEqual((await curl(srv, 'alice:wrong', url, '127.0.0.2')).code, 0);
  assert.notEqual((await curl(srv, 'alice:secret', url, '127.0.0.2')).code, 0, '127.0.0.2 is banned, even with the right password');

  const backup = await api(srv, '/api/backup');
  assert.equal(backup.status, 200);
  const doc = backup.body.data;
  assert.equal(doc.version, VERSION, 'version is the product version string, as the original wrote it');
  assert.ok(!Number.isNaN(Date.parse(doc.timestamp)), `timestamp ${doc.timestamp} is a date`);
  assert.deepEqual(doc.bans.map((b: { ip: string }) => b.ip), ['127.0.0.2']);
  const alice = doc.quotas.alice;
  assert.equal(alice.daily_connections, 2);
  assert.ok(alice.daily_bytes > 2 * BODY.length, `both transfers counted (${alice.daily_bytes} bytes)`);
  assert.deepEqual([alice.monthly_bytes, alice.total_bytes, alice.monthly_connections], [alice.daily_bytes, alice.daily_bytes, 2]);

  // Wipe: lift the ban and reset the counters through the API.
  assert.equal((await api(srv, '/api/bans/127.0.0.2', { method: 'DELETE' })).status, 200);
  assert.equal((await api(srv, '/api/quotas/alice/reset', { method: 'POST' })).status, 200);
  assert.equal((await api(srv, '/api/bans')).body.data.length, 0);
  assert.equal((await api(srv, '/api/quotas/alice')).body.data.total_bytes, 0);

  // Restore the whole GET response (what `sks5 backup` saves): what it reports is what it did.
  const restored = await api(srv, '/api/restore', { method: 'POST', body: JSON.stringify(backup.body) });
  assert.equal(restored.status, 200);
  assert.deepEqual(restored.body.data, { restored_bans: 1, restored_quotas: 1 });
  sameBans((await api(srv, '/api/bans')).body.data, doc.bans);
  const q = (await api(srv, '/api/quotas/alice')).body.data;
  assert.deepEqual(
    { daily_bytes: q.daily_bytes, daily_connections: q.daily_connections, monthly_bytes: q.monthly_bytes, monthly_connections: q.monthly_connections, total_bytes: q.total_bytes },
    alice,
  );
  // The restored ban is enforced, not only listed.
  assert.notEqual((await curl(srv, 'alice:secret', url, '127.0.0.2')).code, 0);
  // A second backup equals the first (but for time).
  const again = (await api(srv, '/api/backup')).body.data;
  assert.deepEqual(again.quotas, doc.quotas);
  sameBans(again.bans, doc.bans);

  // Wipe harder: a fresh server with an empty data dir gets the same state back.
  const fresh = await startSks5(t, await config(), { expect: ['socks5', 'ssh', 'api'] });
  assert.deepEqual((await api(fresh, '/api/restore', { method: 'POST', body: JSON.stringify(doc) })).body.data, { restored_bans: 1, restored_quotas: 1 });
  sameBans((await api(fresh, '/api/bans')).body.data, doc.bans);
  assert.equal((await api(fresh, '/api/quotas/alice')).body.data.total_bytes, alice.total_bytes);
  assert.notEqual((await curl(fresh, 'alice:secret', url, '127.0.0.2')).code, 0, 'the restored ban holds on the fresh server');
});

test("restore takes the original's document (string version, a user not in this config) and reports what it did", async (t) => {
  const srv = await startSks5(t, await config(), { expect: ['socks5', 'ssh', 'api'] });
  // As the original's GET /api/backup writes it (and its e2e test posts it).
  const original = {
    version: '0.0.15',
    timestamp: '2026-02-21T10:00:00.123456789+00:00',
    bans: [{ ip: '203.0.113.9', remaining_secs: 600 }, { ip: '198.51.100.7', remaining_secs: 0 }],
    quotas: { bob: { daily_bytes: 10000, daily_connections: 5, monthly_bytes: 50000, monthly_connections: 20, total_bytes: 100000 } },
  };
  const r = await api(srv, '/api/restore', { method: 'POST', body: JSON.stringify(original) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // An expired ban (0 s left) is not restored, and not counted.
  assert.deepEqual(r.body.data, { restored_bans: 1, restored_quotas: 1 });
  const bob = await api(srv, '/api/quotas/bob');
  assert.equal(bob.status, 200, 'restored counters are visible even for a name this config does not have');
  assert.deepEqual([bob.body.data.daily_bytes, bob.body.data.daily_connections, bob.body.data.monthly_bytes, bob.body.data.monthly_connections, bob.body.data.total_bytes], [10000, 5, 50000, 20, 100000]);
  assert.equal(bob.body.data.daily_bytes_limit, 0);
  const list = (await api(srv, '/api/quotas')).body.data.map((u: { username: string }) => u.username);
  assert.deepEqual(list, ['alice', 'bob'], 'configured users first, then names that only have counters');
  assert.equal((await api(srv, '/api/backup')).body.data.quotas.bob.total_bytes, 100000);
  sameBans((await api(srv, '/api/bans')).body.data, [{ ip: '203.0.113.9', remaining_secs: 600 }]);

  // A name with neither a user nor counters is a 404 that says so (the original answered zeros).
  const nobody = await api(srv, '/api/quotas/nobody');
  assert.equal(nobody.status, 404);
  assert.match(nobody.body.error, /not configured and no quota counters/);
  // Bad documents are refused with the field named.
  const bad = await api(srv, '/api/restore', { method: 'POST', body: JSON.stringify({ ...original, version: 2 }) });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /version/);
  const badIp = await api(srv, '/api/restore', { method: 'POST', body: JSON.stringify({ ...original, bans: [{ ip: 'not-an-ip', remaining_secs: 5 }] }) });
  assert.equal(badIp.status, 400);
  assert.match(badIp.body.error, /not-an-ip/);
});

test('/api/ws: a plain authenticated GET is 426 Upgrade Required, without a token 401', async (t) => {
  const srv = await startSks5(t, await config(), { expect: ['socks5', 'ssh', 'api'] });
  const base = `http://127.0.0.1:${srv.api!.port}/api/ws`;
  const { stdout } = await run('curl', ['-sS', '-i', '-H', `Authorization: Bearer ${TOKEN}`, base]);
  assert.match(stdout, /^HTTP\/1\.1 426 /);
  assert.match(stdout, /^upgrade: websocket\r?$/im);
  assert.match(stdout, /WebSocket endpoint/);
  const anon = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', base]);
  assert.equal(anon.stdout, '401');
});
