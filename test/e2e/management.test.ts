/**
 * The management plane against the running server (bin/sks5): a live SOCKS5 tunnel shows up in
 * the API and on SSE, kick closes it, a broken config file reloads to nothing, /metrics moves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { startHttpTarget, startSks5, testHash, withApiToml } from '../helpers/sks5-process.js';
import { readBytes, socksConnect } from '../helpers/socks-client.js';

const TOKEN = 'e2e-token-0123456789abcdef';

async function api(base: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) } });
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* text */ }
  return { status: res.status, body };
}

test('API and metrics over a live server', async (t) => {
  const tport = await startHttpTarget(t);
  const hash = await testHash('secret');
  const toml = `
${withApiToml(TOKEN)}
[metrics]
enabled = true
listen = "127.0.0.1:0"
[security]
ip_guard_enabled = false
[[users]]
username = "alice"
password_hash = "${hash}"
`;
  const srv = await startSks5(t, toml, { expect: ['socks5', 'ssh', 'api', 'metrics'] });
  const base = `http://127.0.0.1:${srv.api!.port}`;

  assert.equal((await fetch(`${base}/api/status`)).status, 401);
  assert.equal((await fetch(`${base}/api/status`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
  const health = await fetch(`${base}/api/health`);
  assert.equal(health.status, 200);

  // SSE: ticket, then the stream sees the tunnel open
  const ticket = await api(base, '/api/sse-ticket', { method: 'POST' });
  assert.equal(ticket.status, 200);
  const ctl = new AbortController();
  t.after(() => ctl.abort());
  const sse = await fetch(`${base}/api/events?ticket=${encodeURIComponent(ticket.body.data.ticket)}`, { signal: ctl.signal });
  assert.equal(sse.status, 200);
  const reader = sse.body!.getReader();
  let sseText = '';
  const sawProxyStart = (async () => {
    const dec = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      sseText += dec.decode(value);
      if (sseText.includes('proxy.start')) return true;
    }
  })();
  // a replayed ticket is refused
  assert.equal((await fetch(`${base}/api/events?ticket=${encodeURIComponent(ticket.body.data.ticket)}`)).status, 401);

  const tunnel = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', tport);
  assert.equal(tunnel.reply, 0);
  assert.equal(await sawProxyStart, true);

  const sessions = await api(base, '/api/sessions');
  assert.equal(sessions.body.data.length, 1);
  assert.equal(sessions.body.data[0].username, 'alice');
  assert.equal(sessions.body.data[0].target_port, tport);
  const conns = await api(base, '/api/connections');
  assert.deepEqual(conns.body.data.user_connections, [{ username: 'alice', connections: 1 }]);
  const user = await api(base, '/api/users/alice');
  assert.equal(user.status, 200);
  assert.ok(!JSON.stringify(user.body).includes('argon2'), 'no password hash in the API');
  assert.equal((await api(base, '/api/users/nobody')).status, 404);

  // kick closes the live tunnel
  const kick = await api(base, '/api/kick/alice', { method: 'POST' });
  assert.equal(kick.body.data.sessions_cancelled, 1);
  const rest = await readBytes(tunnel.socket, 1, 5000).catch(() => Buffer.alloc(0));
  assert.equal(rest.length, 0, 'tunnel closed by kick');

  // reload with a broken file changes nothing and returns the problems
  const good = readFileSync(srv.configPath, 'utf8');
  writeFileSync(srv.configPath, good.replace('[[users]]', '[limits]\nmax_connections = "lots"\n[[users]]'));
  const bad = await api(base, '/api/reload', { method: 'POST' });
  assert.equal(bad.status, 422);
  assert.match(bad.body.error, /nothing changed/);
  assert.ok(bad.body.data.errors.some((e: string) => e.startsWith('limits.max_connections')), JSON.stringify(bad.body));
  assert.equal((await api(base, '/api/users')).body.data.length, 1);
  // a good reload adds a user
  writeFileSync(srv.configPath, `${good}\n[[users]]\nusername = "bob"\npassword_hash = "${hash}"\n`);
  const ok = await api(base, '/api/reload', { method: 'POST' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.data.users_count, 2);
  const bob = await socksConnect(srv.socks5!, 'bob', 'secret', '127.0.0.1', tport);
  assert.equal(bob.reply, 0);
  bob.socket.destroy();

  // maintenance refuses new connections
  await api(base, '/api/maintenance', { method: 'POST' });
  const during = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', tport).catch(() => undefined);
  assert.ok(during === undefined || during.method !== 2, 'refused during maintenance');
  await api(base, '/api/maintenance', { method: 'POST' });

  await new Promise((r) => setTimeout(r, 1200)); // one state flush interval (500 ms) and then some
  const metrics = await (await fetch(`http://127.0.0.1:${srv.metrics!.port}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  assert.ok(value('sks5_auth_successes_total') >= 1, `auth successes counted:\n${metrics.split('\n').filter((l) => l.startsWith('sks5_auth')).join('\n')}`);
  assert.ok(metrics.includes('sks5_bytes_transferred_total'));
  assert.ok(metrics.includes('process_resident_memory_bytes'));
  assert.equal(value('sks5_persistence_available'), 1);
  assert.ok(value('sks5_persistence_state_flush_total') >= 1, 'quota counters were flushed to disk');
  assert.ok(value('sks5_persistence_state_file_bytes') > 0);
});

test('sks5 backup then sks5 restore round-trips bans and quota counters', async (t) => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { join } = await import('node:path');
  const run = promisify(execFile);
  const hash = await testHash('secret');
  const toml = `
[server]
ssh_listen = "127.0.0.1:0"
[api]
enabled = true
listen = "127.0.0.1:0"
token = "${TOKEN}"
[[users]]
username = "alice"
password_hash = "${hash}"
`;
  const a = await startSks5(t, toml, { expect: ['ssh', 'api'] });
  const baseA = `http://127.0.0.1:${a.api!.port}`;
  const seeded = await api(baseA, '/api/restore', { method: 'POST', body: JSON.stringify({ version: 1, timestamp: new Date().toISOString(), bans: [{ ip: '203.0.113.9', remaining_secs: 600 }], quotas: { alice: { daily_bytes: 1234, daily_connections: 2, monthly_bytes: 5678, monthly_connections: 3, total_bytes: 9999 } } }) });
  assert.equal(seeded.status, 200);
  const file = join(a.dir, 'backup.json');
  const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'sks5');
  const out = await run(process.execPath, [bin, 'backup', '-o', file, '--api-addr', baseA, '--token', TOKEN]);
  assert.match(out.stdout, /backup written/);

  const b = await startSks5(t, toml, { expect: ['ssh', 'api'] });
  const baseB = `http://127.0.0.1:${b.api!.port}`;
  const res = await run(process.execPath, [bin, 'restore', '-i', file, '--api-addr', baseB, '--token', TOKEN]);
  assert.match(res.stdout, /restored 1 bans and 1 quota records/);
  const bans = await api(baseB, '/api/bans');
  assert.equal(bans.body.data[0].ip, '203.0.113.9');
  const q = await api(baseB, '/api/quotas/alice');
  assert.equal(q.body.data.total_bytes, 9999);
  await assert.rejects(run(process.execPath, [bin, 'backup', '-o', file, '--api-addr', baseB, '--token', 'wrong-token-0123456789']), /backup failed: HTTP 401/);

  // Without --api-addr and --token both come from the config the server runs from (-c, SKS5_CONFIG),
  // or the token from SKS5_API_TOKEN; a wildcard api.listen is reached on loopback.
  const { writeFileSync } = await import('node:fs');
  const cfgA = join(a.dir, 'as-running.toml');
  writeFileSync(cfgA, toml.replace('\nlisten = "127.0.0.1:0"', `\nlisten = "0.0.0.0:${a.api!.port}"`));
  const cfgB = join(b.dir, 'as-running.toml');
  writeFileSync(cfgB, toml.replace('\nlisten = "127.0.0.1:0"', `\nlisten = "127.0.0.1:${b.api!.port}"`));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKS5_')));
  const file2 = join(a.dir, 'backup-from-config.json');
  const viaC = await run(process.execPath, [bin, 'backup', '-c', cfgA, '-o', file2], { env });
  assert.match(viaC.stdout, /backup written/);
  const viaEnv = await run(process.execPath, [bin, 'restore', '-i', file2], { env: { ...env, SKS5_CONFIG: cfgB } });
  assert.match(viaEnv.stdout, /restored 1 bans and 1 quota records/);
  const tokenOnly = await run(process.execPath, [bin, 'backup', '-o', file2, '--api-addr', baseB], { env: { ...env, SKS5_API_TOKEN: TOKEN } });
  assert.match(tokenOnly.stdout, /backup written/);
  await assert.rejects(run(process.execPath, [bin, 'backup', '-o', file2, '--api-addr', baseB], { env }), /no API token: pass --token, set api\.token in the config/);
  await assert.rejects(run(process.execPath, [bin, 'backup', '-o', file2, '-c', join(a.dir, 'missing.toml')], { env }), /missing\.toml: 1 problem.*\n.*file not found/);
});
