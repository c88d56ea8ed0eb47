/**
 * The session registry spans the cluster: a curl tunnel held open through node A shows in node B's
 * /api/sessions (with node "node-a") within 2 s, in B's /api/connections and /api/status counts,
 * and leaves B's list once the tunnel ends. No secret of the session reaches B. A node killed with
 * SIGKILL takes its sessions out of B's list within the heartbeat timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startRedis } from '../helpers/redis-server.js';
import { api, holdingTarget, startNode, until } from '../helpers/cluster-nodes.js';
import { HEARTBEAT_TIMEOUT_MS } from '../../src/cluster/peers.js';

/** An HTTP target whose /hold answer starts and then waits until `release` is called. */

interface Session { session_id: string; username: string; target_port: number; node?: string }

test('a tunnel through A is listed by B with node "node-a" within 2 s, and leaves when it ends', async (t) => {
  const redis = await startRedis(t);
  const target = await holdingTarget(t);
  const a = await startNode(t, 'node-a', redis.url);
  const b = await startNode(t, 'node-b', redis.url);
  await until(async () => (await api(b, '/api/cluster')).body.data.nodes.length === 2, 10_000, 'B sees A');

  const curl = spawn('curl', ['-sS', '-o', '/dev/null', '--max-time', '120', '--socks5', `alice:secret@127.0.0.1:${a.socks5!.port}`, `${target.base}/hold`], { stdio: 'ignore' });
  t.after(() => { if (curl.exitCode === null) curl.kill('SIGKILL'); });
  const ended = new Promise<number | null>((r) => curl.once('exit', (code) => r(code)));
  const sessionsOf = async (srv: typeof a): Promise<Session[]> => (await api(srv, '/api/sessions')).body.data as Session[];
  await until(async () => (await sessionsOf(a)).length === 1, 10_000, 'the tunnel is open on A');
  const [local] = await sessionsOf(a);
  assert.equal(local?.node, 'node-a', 'a local entry names its node too');

  const took = await until(async () => (await sessionsOf(b)).some((s) => s.node === 'node-a'), 2000, 'B lists the tunnel of A');
  const [remote] = await sessionsOf(b);
  assert.equal(remote?.username, 'alice');
  assert.equal(remote?.session_id, local?.session_id);
  assert.equal(remote?.target_port, Number(new URL(target.base).port));
  const listed = await api(b, '/api/sessions');
  assert.doesNotMatch(listed.text, /secret|password|token/i, 'no secret in the shared entry');
  const conns = (await api(b, '/api/connections')).body.data as { active_connections: number; user_connections: Array<{ username: string; connections: number; node?: string }> };
  assert.equal(conns.active_connections, 1);
  assert.deepEqual(conns.user_connections, [{ username: 'alice', connections: 1, node: 'node-a' }]);
  assert.equal((await api(b, '/api/status')).body.data.active_connections, 1);
  t.diagnostic(`B listed A's tunnel after ${Math.round(took)} ms`);

  target.release();
  assert.equal(await ended, 0, 'the download completed');
  await until(async () => (await sessionsOf(b)).length === 0, 3000, "the tunnel leaves B's list");
  await until(async () => (await api(b, '/api/connections')).body.data.active_connections === 0, 3000, "A's connection leaves B's count");
});

test("a node killed with SIGKILL leaves B's session list after the heartbeat timeout", async (t) => {
  const redis = await startRedis(t);
  const target = await holdingTarget(t);
  const a = await startNode(t, 'node-a', redis.url);
  const b = await startNode(t, 'node-b', redis.url);
  const curl = spawn('curl', ['-sS', '-o', '/dev/null', '--max-time', '120', '--socks5', `alice:secret@127.0.0.1:${a.socks5!.port}`, `${target.base}/hold`], { stdio: 'ignore' });
  t.after(() => { if (curl.exitCode === null) curl.kill('SIGKILL'); });
  const sessionsOf = async (): Promise<Session[]> => (await api(b, '/api/sessions')).body.data as Session[];
  await until(async () => (await sessionsOf()).some((s) => s.node === 'node-a'), 10_000, 'B lists the tunnel of A');

  await a.stop('SIGKILL');
  const start = performance.now();
  await until(async () => (await sessionsOf()).length === 0, HEARTBEAT_TIMEOUT_MS + 5000, "A's tunnel leaves B's list");
  const took = performance.now() - start;
  assert.equal((await api(b, '/api/status')).body.data.active_connections, 0);
  t.diagnostic(`A's tunnel left B's list ${Math.round(took)} ms after SIGKILL`);
});
