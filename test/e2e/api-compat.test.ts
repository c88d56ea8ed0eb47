/**
 * The API as the original's e2e tests and its users' scripts read it, through curl against the
 * built server: quotas of an idle and of an unknown user, the dashboard's title, the status
 * endpoints' fields. Where we differ on purpose, the README's "Differences" section says so.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startHttpTarget, startSks5, testHash, withApiToml, type Sks5Process } from '../helpers/sks5-process.js';

const run = promisify(execFile);
const TOKEN = 'api-compat-token-0123456789';
let srv: Sks5Process;

before(async () => {
  const h = await testHash('secret');
  srv = await startSks5(undefined, `${withApiToml(TOKEN)}
[security]
ban_enabled = false
ip_guard_enabled = false
[[users]]
username = "alice"
password_hash = "${h}"
[users.quotas]
daily_bandwidth_bytes = 1048576
daily_connection_limit = 10
[[users]]
username = "idle"
password_hash = "${h}"
`, { expect: ['socks5', 'ssh', 'api'] });
});

after(async () => { await srv?.stop(); });

/** curl with the token; resolves with the status and the parsed JSON (or the raw body). */
async function curl(path: string, extra: readonly string[] = []): Promise<{ status: number; body: any; raw: string }> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '20', '-H', `Authorization: Bearer ${TOKEN}`, '-w', '\n%{http_code}', ...extra, `http://127.0.0.1:${srv.api!.port}${path}`]);
  const nl = stdout.lastIndexOf('\n');
  const raw = stdout.slice(0, nl);
  let body: unknown = raw;
  try { body = JSON.parse(raw); } catch { /* HTML or text */ }
  return { status: Number(stdout.slice(nl + 1)), body, raw };
}

const ZERO_USAGE = { daily_bytes: 0, daily_connections: 0, monthly_bytes: 0, monthly_connections: 0, current_rate_bps: 0, hourly_bytes: 0, total_bytes: 0 };

test('quotas: an idle configured user is listed and readable with zeros and its limits; an unknown name is a 404', async (t) => {
  const idle = await curl('/api/quotas/idle');
  assert.equal(idle.status, 200);
  assert.deepEqual(idle.body.data, { username: 'idle', ...ZERO_USAGE, daily_bytes_limit: 0, monthly_bytes_limit: 0, hourly_bytes_limit: 0, total_bytes_limit: 0, daily_connections_limit: 0, monthly_connections_limit: 0 });
  const aliceIdle = await curl('/api/quotas/alice');
  assert.equal(aliceIdle.body.data.daily_bytes_limit, 1048576);
  assert.equal(aliceIdle.body.data.daily_connections_limit, 10);

  // Activity through the real SOCKS5 door shows in the same fields the original's tests read.
  const port = await startHttpTarget(t, 'y'.repeat(5000));
  await run('curl', ['-sS', '--max-time', '20', '--socks5', `alice:secret@127.0.0.1:${srv.socks5!.port}`, `http://127.0.0.1:${port}/`]);
  const deadline = Date.now() + 20_000;
  let alice = (await curl('/api/quotas/alice')).body.data;
  while (alice.daily_bytes < 5000 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    alice = (await curl('/api/quotas/alice')).body.data;
  }
  assert.equal(alice.daily_connections, 1);
  assert.equal(alice.monthly_connections, 1);
  assert.ok(alice.daily_bytes >= 5000 && alice.monthly_bytes === alice.daily_bytes, JSON.stringify(alice));

  const list = await curl('/api/quotas');
  assert.equal(list.status, 200);
  assert.equal(list.body.success, true);
  assert.deepEqual(list.body.data.map((q: { username: string }) => q.username), ['alice', 'idle'], 'every configured user, idle ones too');

  const unknown = await curl('/api/quotas/nobody');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.success, false);
  assert.match(unknown.body.error, /user nobody not found: not configured and no quota counters/);
});

test('the dashboard answers text/html titled "sks5 Dashboard", with its script inline', async () => {
  const { stdout } = await run('curl', ['-sS', '--max-time', '20', '-i', `http://127.0.0.1:${srv.api!.port}/dashboard`]);
  assert.match(stdout, /^HTTP\/1\.1 200/);
  assert.match(stdout, /^content-type: text\/html/im);
  assert.match(stdout, /<title>sks5 Dashboard<\/title>/);
  assert.match(stdout, /<h1>sks5 Dashboard<\/h1>/);
  assert.match(stdout, /<script>/);
});

test("health, status, connections, bans and maintenance carry the original's fields and statuses", async () => {
  const health = (await curl('/api/health')).body.data;
  assert.equal(health.status, 'ok');
  assert.equal(health.maintenance, false);
  assert.equal(typeof health.active_connections, 'number');
  assert.equal(typeof health.uptime_secs, 'number');
  const status = (await curl('/api/status')).body.data;
  assert.deepEqual([status.status, status.active_connections, status.total_users, status.maintenance], ['ok', 0, 2, false]);
  assert.equal((await curl('/api/connections')).body.data.active_connections, 0);
  assert.deepEqual((await curl('/api/bans')).body.data, []);
  assert.equal((await curl('/api/bans/1.2.3.4', ['-X', 'DELETE'])).status, 404);
  // POST /api/maintenance without a body toggles, as the original's did.
  assert.equal((await curl('/api/maintenance', ['-X', 'POST'])).body.data.maintenance, true);
  assert.equal((await curl('/api/maintenance', ['-X', 'POST'])).body.data.maintenance, false);
  const noToken = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${srv.api!.port}/api/users`]);
  assert.equal(noToken.stdout, '401');
});
