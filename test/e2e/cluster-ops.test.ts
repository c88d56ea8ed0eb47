/**
 * Operator actions through one node's API reach the other node's sessions: a kick through B closes
 * a curl tunnel held open through A; maintenance switched on through B refuses new connections on A
 * and switched off through A lets them in on B again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startRedis } from '../helpers/redis-server.js';
import { api, download, startNode, until, holdingTarget } from '../helpers/cluster-nodes.js';


test('kick through B ends a tunnel on A; maintenance through B refuses on A, lifted through A', async (t) => {
  const redis = await startRedis(t);
  const { base } = await holdingTarget(t);
  const a = await startNode(t, 'node-a', redis.url);
  const b = await startNode(t, 'node-b', redis.url);

  const curl = spawn('curl', ['-sS', '-o', '/dev/null', '--max-time', '120', '--socks5', `alice:secret@127.0.0.1:${a.socks5!.port}`, `${base}/hold`], { stdio: 'ignore' });
  t.after(() => { if (curl.exitCode === null) curl.kill('SIGKILL'); });
  const ended = new Promise<number | null>((r) => curl.once('exit', (code) => r(code)));
  await until(async () => ((await api(a, '/api/sessions')).body.data as unknown[]).length === 1, 10_000, 'the tunnel is open on A');

  const kicked = await api(b, '/api/kick/alice', { method: 'POST' });
  assert.equal(kicked.status, 200);
  const start = performance.now();
  const code = await Promise.race([ended, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
  assert.notEqual(code, 'timeout', 'curl on A ended after the kick through B');
  assert.notEqual(code, 0, 'cut, not completed');
  assert.ok(performance.now() - start < 5000);

  assert.equal((await api(b, '/api/maintenance', { method: 'POST', body: JSON.stringify({ enabled: true, message: 'upgrading' }) })).status, 200);
  await until(async () => (await api(a, '/api/health')).status === 503, 2000, 'A is in maintenance too');
  assert.equal((await download(a, `${base}/`)).code, 97, 'A refuses new connections');
  assert.equal((await api(a, '/api/maintenance', { method: 'POST', body: JSON.stringify({ enabled: false }) })).status, 200);
  await until(async () => (await api(b, '/api/health')).status === 200, 2000, 'B leaves maintenance');
  assert.deepEqual(await download(b, `${base}/`), { code: 0, bytes: 2 });
});
