/**
 * Per-user limits across two nodes on a real redis-server, driven by curl: max_connections counts
 * tunnels open on both nodes; a node killed with kill -9 leaves /api/cluster and stops counting
 * within the heartbeat timeout; a per-minute connection rate holds across nodes, per user and per
 * client IP.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startRedis } from '../helpers/redis-server.js';
import { api, download, nodeToml, startNode, until, holdingTarget } from '../helpers/cluster-nodes.js';
import { startSks5, type Sks5Process } from '../helpers/sks5-process.js';


/** A curl that holds a tunnel open through `srv` until killed (by its PID, in `after` at the latest). */
function holdTunnel(t: TestContext, srv: Sks5Process, base: string): ChildProcess {
  const c = spawn('curl', ['-sS', '-o', '/dev/null', '--max-time', '120', '--socks5', `alice:secret@127.0.0.1:${srv.socks5!.port}`, `${base}/hold`], { stdio: 'ignore' });
  // ChildProcess.kill (by its PID) does not throw when curl already ended, e.g. because its node was killed.
  t.after(() => { if (c.exitCode === null) c.kill('SIGKILL'); });
  return c;
}

const tunnelsOf = async (srv: Sks5Process, node: string): Promise<number | undefined> =>
  ((await api(srv, '/api/cluster')).body.data.nodes as Array<{ node: string; tunnels: number }>).find((n) => n.node === node)?.tunnels;

test('max_connections counts tunnels on both nodes; kill -9 of a node frees its share within the heartbeat timeout', async (t) => {
  const redis = await startRedis(t);
  const { base } = await holdingTarget(t);
  const user = 'max_connections = 2\n';
  const a = await startNode(t, 'node-a', redis.url, '', user);
  const b = await startNode(t, 'node-b', redis.url, '', user);

  const cluster = (await api(a, '/api/cluster')).body.data;
  assert.equal(cluster.enabled, true);
  assert.equal(cluster.node, 'node-a');
  await until(async () => (await tunnelsOf(a, 'node-b')) !== undefined, 5000, 'A hears B\'s heartbeat');
  const nodes = (await api(a, '/api/cluster')).body.data.nodes as Array<Record<string, unknown>>;
  assert.deepEqual(nodes.map((n) => [n.node, n.self]), [['node-a', true], ['node-b', false]]);
  assert.match(String(nodes[1]!.version), /^\d+\.\d+\.\d+/);
  assert.ok(Date.now() - Date.parse(String(nodes[1]!.last_heartbeat)) < 5000, 'a recent heartbeat');

  holdTunnel(t, a, base);
  await until(async () => (await tunnelsOf(b, 'node-a')) === 1, 5000, 'B sees the tunnel on A');
  holdTunnel(t, b, base);
  await until(async () => (await tunnelsOf(a, 'node-b')) === 1, 5000, 'A sees the tunnel on B');
  assert.equal((await download(a, `${base}/`)).code, 97, 'a third tunnel is refused on A (one here, one on B)');
  assert.equal((await download(b, `${base}/`)).code, 97, 'and on B');

  await b.stop('SIGKILL');
  const gone = await until(async () => (await tunnelsOf(a, 'node-b')) === undefined, 15_000, 'B leaves A\'s node list');
  // The timeout is 5 s from B's last heartbeat (at most 1 s before the kill); the rest is a loaded machine's slack.
  assert.ok(gone < 8000, `B left after ${gone.toFixed(0)} ms (heartbeat timeout 5 s)`);
  assert.deepEqual(await download(a, `${base}/`), { code: 0, bytes: 2 }, 'the dead node\'s tunnel no longer counts');
});

/** alice's connections today as a node counts them (its own plus what the others announced). */
async function conns(srv: Sks5Process): Promise<number> {
  return (await api(srv, '/api/quotas/alice')).body.data.daily_connections as number;
}

/**
 * Uses a limit of 3 per minute across two nodes: two connections on A, then (once B has heard of them)
 * the third on B, which must still pass. The openings go in the same announcement as, and before, the
 * quota counters waited for here, so B's count proves it has them.
 */
async function spendThreeOfThree(a: Sks5Process, b: Sks5Process, base: string): Promise<void> {
  assert.equal((await download(a, `${base}/`)).code, 0);
  assert.equal((await download(a, `${base}/`)).code, 0);
  await until(async () => (await conns(b)) === 2, 5000, 'B has heard of the two connections on A');
  assert.equal((await download(b, `${base}/`)).code, 0, 'the third in the minute passes on B');
}

test('a per-minute connection rate holds across nodes', async (t) => {
  const redis = await startRedis(t);
  const { base } = await holdingTarget(t);
  const user = '[users.rate_limits]\nconnections_per_minute = 3\n';
  const a = await startNode(t, 'node-a', redis.url, '', user);
  const b = await startNode(t, 'node-b', redis.url, '', user);

  await spendThreeOfThree(a, b, base);
  assert.equal((await download(b, `${base}/`)).code, 97, 'the fourth is refused on B');
  await until(async () => (await conns(a)) === 3, 5000, 'A has heard of the one on B');
  assert.equal((await download(a, `${base}/`)).code, 97, 'and on A');
});

test('the per-IP connection rate (max_new_connections_per_ip_per_minute) holds across nodes', async (t) => {
  const redis = await startRedis(t);
  const { base } = await holdingTarget(t);
  const toml = async (name: string): Promise<string> =>
    (await nodeToml(name, redis.url)).replace('ban_duration = 600', 'ban_duration = 600\nmax_new_connections_per_ip_per_minute = 3');
  const a = await startSks5(t, await toml('node-a'), { expect: ['socks5', 'ssh', 'api', 'metrics'] });
  const b = await startSks5(t, await toml('node-b'), { expect: ['socks5', 'ssh', 'api', 'metrics'] });

  await spendThreeOfThree(a, b, base);
  assert.notEqual((await download(b, `${base}/`)).code, 0, 'the fourth is refused on B');
  assert.equal((await download(b, `${base}/`, '127.0.0.2')).code, 0, 'another address is not affected');
  await until(async () => (await conns(a)) === 4, 5000, 'A has heard of the ones on B');
  assert.notEqual((await download(a, `${base}/`)).code, 0, '127.0.0.1 is refused on A too');
});
