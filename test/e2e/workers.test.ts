/**
 * `[server] workers = 2` on one machine, no Redis: two worker processes share the listeners and
 * behave as one sks5. Real curl through the SOCKS5 door: connections land on both workers; a ban
 * counted from failures on either refuses on both; max_connections counts both workers' tunnels; a
 * kick through the API (on worker 1) ends a tunnel on worker 2; /metrics adds both up; a worker
 * killed with SIGKILL is replaced while a tunnel on the other one carries on; SIGHUP and
 * POST /api/reload reload every worker or none; SIGTERM drains and the primary exits.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import { testHash, type Sks5Process } from '../helpers/sks5-process.js';
import { authWorkers, startWorkers, workersToml } from '../helpers/workers.js';
import { api, curl, download, holdingTarget, metric, until } from '../helpers/cluster-nodes.js';

/** A curl holding a tunnel open through the SOCKS5 door; resolves its exit code when it ends. */
function hold(srv: Sks5Process, url: string, t: TestContext): Promise<number | null> {
  const c = spawn('curl', ['-sS', '-o', '/dev/null', '--max-time', '120', '--socks5', `alice:secret@127.0.0.1:${srv.socks5!.port}`, url], { stdio: 'ignore' });
  t.after(() => { if (c.exitCode === null) c.kill('SIGKILL'); });
  return new Promise((r) => c.once('exit', (code) => r(code)));
}

test('two workers share the doors: both serve, /metrics adds them up, /api/cluster lists them, a ban made from failures on either refuses on both', async (t) => {
  const { base } = await holdingTarget(t);
  const srv = await startWorkers(t, await workersToml());
  for (let i = 0; i < 6; i++) assert.equal(await curl(srv, 'secret', `${base}/`, '127.0.0.1'), 0);
  const workers = authWorkers(srv);
  assert.equal(workers.length, 6);
  assert.ok(workers.includes(1) && workers.includes(2), `connections reached both workers (${workers.join(',')})`);
  assert.equal(await metric(srv, 'sks5_connections_total{protocol="socks5"}'), 6, '/metrics counts both workers');
  assert.equal(await metric(srv, 'sks5_build_info{version="0.1.0",node_version="' + process.version + '"}'), 1, 'a per-process constant is not summed');
  await until(async () => (await api(srv, '/api/cluster')).body.data.nodes.length === 2, 3000, 'both workers listed');
  const cluster = (await api(srv, '/api/cluster')).body.data;
  assert.ok(cluster.nodes.every((n: { node: string }) => /\/w[12]$/.test(n.node)));

  // Three wrong passwords from 127.0.0.2, spread over both workers by the round robin: one window.
  for (let i = 0; i < 3; i++) assert.equal(await curl(srv, `wrong${i}`, `${base}/`, '127.0.0.2'), 97);
  await until(async () => ((await api(srv, '/api/bans')).body.data as Array<{ ip: string }>).some((b) => b.ip === '127.0.0.2'), 3000, 'the ban is listed');
  await new Promise((r) => setTimeout(r, 300));
  const before = srv.logs.length;
  for (let i = 0; i < 4; i++) assert.equal(await curl(srv, 'secret', `${base}/`, '127.0.0.2'), 97, `attempt ${i + 1} with the right password is refused`);
  const refusedBy = new Set(srv.logs.slice(before).filter((l) => l.code === 'SKS5_DENY_BANNED' || /banned/i.test(String(l.msg))).map((l) => Number(l.worker)));
  assert.deepEqual([...refusedBy].sort(), [1, 2], 'both workers refused the banned address');
  assert.equal(await curl(srv, 'secret', `${base}/`, '127.0.0.1'), 0, 'another address still passes');
});

test('max_connections counts both workers; a kick through the API ends a tunnel on worker 2; quota totals are shared', async (t) => {
  const { base } = await holdingTarget(t);
  const srv = await startWorkers(t, await workersToml('', 'max_connections = 2\n[users.quotas]\ndaily_bandwidth_bytes = 100000000\n'));
  const first = hold(srv, `${base}/hold`, t);
  const second = hold(srv, `${base}/hold`, t);
  await until(async () => ((await api(srv, '/api/sessions')).body.data as unknown[]).length === 2, 10_000, 'both tunnels listed');
  const sessions = (await api(srv, '/api/sessions')).body.data as Array<{ node: string; session_id: string }>;
  assert.deepEqual(sessions.map((s) => s.node.slice(-2)).sort(), ['w1', 'w2'], 'one tunnel on each worker, both listed by worker 1');
  assert.equal(new Set(sessions.map((s) => s.session_id)).size, 2, 'session ids are unique on the machine');
  // One heartbeat (1 s) carries every worker's tunnel counts even if a 100 ms announcement ran late under load.
  await new Promise((r) => setTimeout(r, 1000));
  for (let i = 0; i < 2; i++) assert.equal((await download(srv, `${base}/`)).code, 97, `a third tunnel is refused (try ${i + 1}, either worker)`);
  assert.equal((await api(srv, '/api/kick/alice', { method: 'POST' })).status, 200);
  const codes = await Promise.all([first, second]);
  assert.ok(codes.every((c) => c !== 0), `both tunnels were cut (${codes.join(',')})`);
  await until(async () => ((await api(srv, '/api/sessions')).body.data as unknown[]).length === 0, 5000, 'no tunnel left');
  for (let i = 0; i < 4; i++) assert.equal((await download(srv, `${base}/`)).code, 0);
  // Eight answers of "ok" (2 bytes each plus headers) went through both workers; worker 1's API shows them all.
  await until(async () => (await api(srv, '/api/quotas/alice')).body.data.daily_connections >= 6, 3000, `both workers' connections counted in the quota: ${JSON.stringify((await api(srv, '/api/quotas/alice')).body.data)}`);
});

test('a worker killed with SIGKILL is replaced; a tunnel on the other one carries on; SIGHUP reloads both; an invalid reload changes neither; SIGTERM drains', async (t) => {
  const { base, release } = await holdingTarget(t);
  const srv = await startWorkers(t, await workersToml());
  const pids = new Map(srv.logs.filter((l) => /^worker \d ready/.test(String(l.msg))).map((l) => [Number(l.worker), Number(l.pid)]));
  assert.equal(pids.size, 2);
  const tunnel = hold(srv, `${base}/hold`, t);
  await until(async () => ((await api(srv, '/api/sessions')).body.data as unknown[]).length === 1, 10_000, 'tunnel open');
  const holder = ((await api(srv, '/api/sessions')).body.data as Array<{ node: string }>)[0]!.node.endsWith('w1') ? 1 : 2;
  const victim = holder === 1 ? 2 : 1;
  process.kill(pids.get(victim)!, 'SIGKILL');
  await srv.waitForLog((l) => l.worker === victim && /exited \(SIGKILL\); starting a new one/.test(String(l.msg)), 5000);
  await srv.waitForLog((l) => l.worker === victim && /^worker \d ready/.test(String(l.msg)) && Number(l.pid) !== pids.get(victim), 15_000);
  if (victim === 1) {
    // The replacement opens the API again (port 0 in this test: a new port, read from its log line).
    const line = [...srv.logs].reverse().find((l) => l.kind === 'api' && l.worker === 1)!;
    srv.api = { host: '127.0.0.1', port: Number(String(line.listen).split(':').pop()) };
    srv.metrics = { host: '127.0.0.1', port: Number(String([...srv.logs].reverse().find((l) => l.kind === 'metrics' && l.worker === 1)!.listen).split(':').pop()) };
    await until(async () => { try { return (await api(srv, '/api/health')).status === 200; } catch { return false; } }, 10_000, 'the API is back');
  }
  release();
  assert.equal(await tunnel, 0, 'the tunnel on the surviving worker completed');
  for (let i = 0; i < 4; i++) assert.equal(await curl(srv, 'secret', `${base}/`, '127.0.0.1'), 0, 'the replacement serves');

  // SIGHUP: a new user, on both workers.
  const toml = readFileSync(srv.configPath, 'utf8');
  writeFileSync(srv.configPath, toml.replace('[logging]', `[[users]]\nusername = "bob"\npassword_hash = "${await testHash('bobpw')}"\n[logging]`));
  srv.child.kill('SIGHUP');
  await until(async () => srv.logs.filter((l) => l.msg === 'configuration reloaded').length === 2, 5000, 'both workers reloaded');
  const bobCurl = async (): Promise<number> => {
    try {
      await new Promise<void>((res, rej) => spawn('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '--socks5', `bob:bobpw@127.0.0.1:${srv.socks5!.port}`, `${base}/`]).once('exit', (c) => (c === 0 ? res() : rej(Object.assign(new Error('curl'), { code: c })))));
      return 0;
    } catch (err) { return (err as { code: number }).code; }
  };
  const before = authWorkers(srv).length;
  for (let i = 0; i < 4; i++) assert.equal(await bobCurl(), 0, 'bob is known to every worker');
  assert.deepEqual([...new Set(authWorkers(srv).slice(before))].sort(), [1, 2]);

  // An invalid file: refused once, nothing changes anywhere.
  writeFileSync(srv.configPath, toml.replace('ban_threshold = 3', 'ban_threshold = "three"'));
  const r = await api(srv, '/api/reload', { method: 'POST' });
  assert.notEqual(r.status, 200);
  assert.match(r.text, /ban_threshold/);
  assert.equal(srv.logs.filter((l) => l.msg === 'reload refused, previous configuration kept').length, 1, 'one refusal logged, not one per worker');
  for (let i = 0; i < 2; i++) assert.equal(await bobCurl(), 0, 'the previous configuration (with bob) is kept on both');

  // SIGTERM with a tunnel open: the workers drain up to shutdown_timeout (3 s), then the primary exits 0.
  const mark = srv.logs.length;
  const last = hold(srv, `${base}/hold`, t);
  await until(async () => srv.logs.slice(mark).some((l) => l.msg === 'tunnel open' && l.user === 'alice'), 10_000, 'tunnel open');
  const start = performance.now();
  const code = await srv.stop('SIGTERM');
  const took = performance.now() - start;
  assert.equal(code, 0);
  assert.ok(took >= 2500 && took < 10_000, `drained for shutdown_timeout, then stopped (${Math.round(took)} ms): ${srv.logs.slice(-12).map((l) => JSON.stringify(l)).join('\n')}`);
  assert.notEqual(await last, 0, 'the held tunnel was closed at the deadline');
  assert.ok(srv.logs.some((l) => l.msg === 'shutdown complete' && l.worker === undefined), 'the primary logged its end');
  for (const pid of pids.values()) assert.throws(() => process.kill(pid, 0), 'no worker left behind');
});

test('limits.max_connections holds for the machine: two tunnels, one in each worker, fill a limit of 2; a third is refused by either worker', async (t) => {
  const { base, release } = await holdingTarget(t);
  const srv = await startWorkers(t, await workersToml('[limits]\nmax_connections = 2\n'));
  const first = hold(srv, `${base}/hold`, t);
  const second = hold(srv, `${base}/hold`, t);
  await until(async () => ((await api(srv, '/api/sessions')).body.data as unknown[]).length === 2, 10_000, 'both tunnels listed');
  const nodes = ((await api(srv, '/api/sessions')).body.data as Array<{ node: string }>).map((s) => s.node.slice(-2)).sort();
  assert.deepEqual(nodes, ['w1', 'w2'], 'one tunnel in each worker');
  await new Promise((r) => setTimeout(r, 1000));
  const mark = srv.logs.length;
  for (let i = 0; i < 2; i++) assert.equal((await download(srv, `${base}/`)).code, 97, `a third connection is refused (try ${i + 1})`);
  const refusers = new Set(srv.logs.slice(mark).filter((l) => l.code === 'SKS5_DENY_CONN_LIMIT').map((l) => Number(l.worker)));
  assert.deepEqual([...refusers].sort(), [1, 2], 'both workers count the other one\'s connection');
  release();
  assert.deepEqual(await Promise.all([first, second]), [0, 0]);
  await until(async () => (await download(srv, `${base}/`)).code === 0, 3000, 'a slot is free again once the tunnels end');
});
