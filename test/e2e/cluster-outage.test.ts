/**
 * Redis goes away under two nodes and comes back empty: both keep serving on their own state and
 * say so (/api/health "degraded", sks5_cluster_redis_connected 0, a log line); what each did while
 * apart (a ban on one, an unban on the other) is merged, not overwritten, once Redis is back. A node
 * whose Redis is down at start serves anyway and joins when Redis answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpTarget } from '../helpers/sks5-process.js';
import { startRedis } from '../helpers/redis-server.js';
import { api, curl, metric, startNode, until } from '../helpers/cluster-nodes.js';

const clusterState = async (srv: Parameters<typeof api>[0]): Promise<string> => (await api(srv, '/api/health')).body.data.cluster.state as string;

test('Redis lost and back empty: a ban made on A and an unban made on B while apart both survive the merge', async (t) => {
  const redis = await startRedis(t);
  const url = `http://127.0.0.1:${await startHttpTarget(t)}/`;
  const a = await startNode(t, 'node-a', redis.url);
  const b = await startNode(t, 'node-b', redis.url);
  const lifted = '127.0.0.5';
  const banned = '127.0.0.3';

  for (let i = 0; i < 3; i++) assert.equal(await curl(a, `wrong${i}`, url, lifted), 97);
  await until(async () => (await curl(b, 'secret', url, lifted)) === 97, 2000, 'B refuses the source A banned');

  await redis.stop();
  for (const srv of [a, b]) {
    await until(async () => (await clusterState(srv)) === 'degraded', 15_000, 'the node reports degraded');
    const h = (await api(srv, '/api/health'));
    assert.equal(h.status, 200, 'degraded still serves');
    assert.equal(h.body.data.status, 'degraded');
    assert.equal(await metric(srv, 'sks5_cluster_redis_connected'), 0);
    await srv.waitForLog((l) => /cluster: Redis unavailable/.test(String(l.msg)));
  }
  assert.equal(await curl(a, 'secret', url, '127.0.0.1'), 0, 'A keeps serving without Redis');

  for (let i = 0; i < 3; i++) assert.equal(await curl(a, `bad${i}`, url, banned), 97);
  assert.equal(await curl(a, 'secret', url, banned), 97, 'A bans on its own state while apart');
  assert.equal(await curl(b, 'secret', url, banned), 0, 'B cannot know yet');
  assert.equal((await api(b, `/api/bans/${lifted}`, { method: 'DELETE' })).status, 200);
  assert.equal(await curl(b, 'secret', url, lifted), 0, 'B lifted the ban');
  assert.equal(await curl(a, 'secret', url, lifted), 97, 'A still holds it while apart');

  await redis.start();
  for (const srv of [a, b]) await until(async () => (await clusterState(srv)) === 'connected', 20_000, 'the node reconnects and merges');
  await until(async () => (await curl(b, 'secret', url, banned)) === 97, 2000, 'B refuses the source A banned while apart');
  await until(async () => (await curl(a, 'secret', url, lifted)) === 0, 2000, 'A applies the unban B made while apart');
  await a.waitForLog((l) => /Redis is back; state merged/.test(String(l.msg)));

  // Redis now holds the merged state: a new node sees exactly the same.
  const c = await startNode(t, 'node-c', redis.url);
  assert.equal(await curl(c, 'secret', url, banned), 97);
  assert.equal(await curl(c, 'secret', url, lifted), 0);
});

test('Redis down at start: the node serves on local state (degraded) and joins when Redis answers', async (t) => {
  const redis = await startRedis(t);
  await redis.stop();
  const url = `http://127.0.0.1:${await startHttpTarget(t)}/`;
  const a = await startNode(t, 'node-a', redis.url);
  assert.equal(await clusterState(a), 'degraded');
  assert.equal(await curl(a, 'secret', url, '127.0.0.1'), 0, 'serving without Redis');
  for (let i = 0; i < 3; i++) assert.equal(await curl(a, `wrong${i}`, url, '127.0.0.6'), 97);
  await redis.start();
  await until(async () => (await clusterState(a)) === 'connected', 20_000, 'joins when Redis answers');
  const b = await startNode(t, 'node-b', redis.url);
  assert.equal(await curl(b, 'secret', url, '127.0.0.6'), 97, 'the ban made before Redis existed reached the cluster');
});
