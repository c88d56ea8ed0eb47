/**
 * More of what one process does, with `[server] workers = 2` and no Redis: a daily byte quota spent
 * through both workers cuts at the limit; OpenSSH sees one host key whichever worker answers; the API's
 * event stream (on worker 1) carries worker 2's events; maintenance switched on through the API
 * refuses new connections in both workers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpTarget, type Sks5Process } from '../helpers/sks5-process.js';
import { api, curlSse, download, until } from '../helpers/cluster-nodes.js';
import { authWorkers, startWorkers, workerPids, workersToml } from '../helpers/workers.js';
import { curl } from '../helpers/cluster-nodes.js';

test('a daily byte quota spent through both workers cuts at the one limit', async (t) => {
  const LIMIT = 100_000;
  const BODY = 30_000;
  const url = `http://127.0.0.1:${await startHttpTarget(t, 'q'.repeat(BODY))}/`;
  const srv = await startWorkers(t, await workersToml('', `[users.quotas]\ndaily_bandwidth_bytes = ${LIMIT}\n`));
  let delivered = 0;
  let refusedAt = -1;
  for (let i = 0; i < 10; i++) {
    const r = await download(srv, url);
    delivered += r.bytes;
    if (r.code === 97) { refusedAt = i; break; }
    // One flush (100 ms) for the other worker to learn the total, as between nodes.
    await new Promise((res) => setTimeout(res, 250));
  }
  assert.ok(new Set(authWorkers(srv)).size === 2, 'the downloads went through both workers');
  assert.ok(refusedAt >= 3, `refused only once the quota was spent (at download ${refusedAt})`);
  assert.ok(delivered < LIMIT, `${delivered} body bytes through both workers, under the one quota of ${LIMIT}`);
  assert.ok(delivered > LIMIT - 2 * BODY, `${delivered} bytes: the quota was really used, not refused early`);
  const used = (await api(srv, '/api/quotas/alice')).body.data.daily_bytes as number;
  assert.ok(used <= LIMIT && used > LIMIT - 1000, `usage ${used} stops at the limit ${LIMIT}`);
});

/** One HTTP request over `ssh -W` with OpenSSH; known_hosts is strict after the first connection. */
function sshGet(srv: Sks5Process, port: number, knownHosts: string, first: boolean): Promise<{ out: string; err: string; code: number | null }> {
  const opts = ['-o', `UserKnownHostsFile=${knownHosts}`, '-o', `StrictHostKeyChecking=${first ? 'accept-new' : 'yes'}`, '-o', 'LogLevel=ERROR', '-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive'];
  const child = execFile('sshpass', ['-p', 'secret', 'ssh', ...opts, '-p', String(srv.ssh!.port), '-W', `127.0.0.1:${port}`, 'alice@127.0.0.1'], { timeout: 60_000 });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdin!.end('GET / HTTP/1.0\r\nHost: x\r\n\r\n');
  return new Promise((r) => child.once('close', (code) => r({ out, err, code })));
}

test('OpenSSH sees one host key on both workers; the event stream carries both workers\' events; maintenance through the API refuses in both', async (t) => {
  const port = await startHttpTarget(t, 'hello-from-target');
  const srv = await startWorkers(t, await workersToml());
  const feed = curlSse(t, srv).seen;
  await new Promise((r) => setTimeout(r, 500));
  const knownHosts = join(mkdtempSync(join(tmpdir(), 'sks5-kh-')), 'known_hosts');
  for (let i = 0; i < 4; i++) {
    const r = await sshGet(srv, port, knownHosts, i === 0);
    assert.match(r.out, /hello-from-target$/, `ssh -W number ${i + 1}: ${r.err}`);
  }
  const sshWorkers = srv.logs.filter((l) => l.msg === 'authenticated' && l.door === 'ssh').map((l) => Number(l.worker));
  assert.deepEqual([...new Set(sshWorkers)].sort(), [1, 2], 'SSH connections reached both workers, under one host key (strict known_hosts)');

  await until(async () => new Set(feed.filter((e) => e.type === 'proxy.complete').map((e) => String(e.node).slice(-2))).size === 2, 3000, 'the stream on worker 1 shows tunnels of both workers');
  assert.ok(feed.every((e) => typeof e.node === 'string' && /\/w[12]$/.test(e.node)), 'every event names its worker');

  assert.equal((await api(srv, '/api/maintenance', { method: 'POST', body: JSON.stringify({ enabled: true, message: 'upgrading' }) })).status, 200);
  await new Promise((r) => setTimeout(r, 300));
  const mark = srv.logs.length;
  for (let i = 0; i < 4; i++) assert.equal((await download(srv, `http://127.0.0.1:${port}/`)).code, 97, `refused in maintenance (try ${i + 1})`);
  const refusers = new Set(srv.logs.slice(mark).filter((l) => /maintenance/i.test(`${String(l.code)} ${String(l.msg)}`)).map((l) => Number(l.worker)));
  assert.deepEqual([...refusers].sort(), [1, 2], 'both workers are in maintenance');
  assert.equal((await api(srv, '/api/maintenance', { method: 'POST', body: JSON.stringify({ enabled: false }) })).status, 200);
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 2; i++) assert.equal((await download(srv, `http://127.0.0.1:${port}/`)).code, 0, 'served again after maintenance');
});

test('kill -9 of the primary and both workers loses nothing beyond one flush: quota usage and a ban are back after the restart', async (t) => {
  const BODY = 20_000;
  const url = `http://127.0.0.1:${await startHttpTarget(t, 'z'.repeat(BODY))}/`;
  const toml = await workersToml('', '[users.quotas]\ndaily_bandwidth_bytes = 10000000\n');
  const srv = await startWorkers(t, toml);
  for (let i = 0; i < 4; i++) assert.equal((await download(srv, url)).code, 0);
  for (let i = 0; i < 3; i++) assert.equal(await curl(srv, `wrong${i}`, url, '127.0.0.2'), 97);
  await until(async () => ((await api(srv, '/api/bans')).body.data as Array<{ ip: string }>).some((b) => b.ip === '127.0.0.2'), 3000, 'banned');
  const seen: number[] = [];
  for (let i = 0; i < 10; i++) { seen.push((await api(srv, '/api/quotas/alice')).body.data.daily_bytes as number); await new Promise((r) => setTimeout(r, 200)); }
  const used = seen[seen.length - 1]!;
  t.diagnostic(`usage seen by worker 1 every 200 ms: ${seen.join(",")}`);
  assert.ok(used >= 4 * BODY, `${seen.join(',')} bytes counted`);
  // Past one SQLite flush (500 ms), then every process at once, as a power cut would.
  await new Promise((r) => setTimeout(r, 1200));
  const pids = [...workerPids(srv).values(), srv.child.pid!];
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await srv.exited;
  for (const pid of pids) await until(async () => { try { process.kill(pid, 0); return false; } catch { return true; } }, 5000, `pid ${pid} gone`);

  const again = await startWorkers(t, toml, srv.dir);
  const after = (await api(again, '/api/quotas/alice')).body.data.daily_bytes as number;
  assert.equal(after, used, 'the daily usage survived (the stale lock of the killed primary was taken over)');
  assert.ok(((await api(again, '/api/bans')).body.data as Array<{ ip: string }>).some((b) => b.ip === '127.0.0.2'), 'the ban survived');
  for (let i = 0; i < 2; i++) assert.equal(await curl(again, 'secret', url, '127.0.0.2'), 97, 'and both workers enforce it');
});

async function takenPort(t: { after(fn: () => void): void }): Promise<number> {
  const { createServer } = await import('node:net');
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  t.after(() => taken.close());
  return (taken.address() as { port: number }).port;
}

async function exitWithin20s(srv: { exited: Promise<number | null> }): Promise<number | null | 'hang'> {
  return Promise.race([srv.exited, new Promise<'hang'>((r) => setTimeout(() => r('hang'), 20_000))]);
}

test('a door port that is taken stops the primary with exit code 1 before any worker starts (the primary binds the doors)', async (t) => {
  const port = await takenPort(t);
  const toml = (await workersToml()).replace('socks5_listen = "127.0.0.1:0"', `socks5_listen = "127.0.0.1:${port}"`);
  const { startSks5 } = await import('../helpers/sks5-process.js');
  const srv = await startSks5(t, toml, { expect: [] });
  assert.equal(await exitWithin20s(srv), 1, 'the primary exits 1');
  assert.ok(srv.logs.some((l) => /cannot start: .*(EADDRINUSE|address already in use)/i.test(String(l.msg))), 'and says why');
  assert.ok(!srv.logs.some((l) => /starting 2 worker processes/.test(String(l.msg))), 'no worker was forked');
});

test('a worker that cannot start (its API port is taken) stops the primary with exit code 1, as one process would', async (t) => {
  const port = await takenPort(t);
  const toml = (await workersToml()).replace(/\[api\]\nenabled = true\nlisten = "127.0.0.1:0"/, `[api]\nenabled = true\nlisten = "127.0.0.1:${port}"`);
  assert.ok(toml.includes(`listen = "127.0.0.1:${port}"`));
  const { startSks5 } = await import('../helpers/sks5-process.js');
  const srv = await startSks5(t, toml, { expect: [] });
  assert.equal(await exitWithin20s(srv), 1, 'the primary exits 1 instead of restarting workers forever');
  assert.ok(srv.logs.some((l) => /cannot start: .*(EADDRINUSE|address already in use)/i.test(String(l.msg))), 'the worker says why');
  assert.ok(srv.logs.some((l) => /could not start; stopping/.test(String(l.msg))), 'the primary says it stops');
});
