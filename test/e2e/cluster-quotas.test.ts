/**
 * Quotas across two nodes on a real redis-server: a daily byte quota spent through A and B in turn
 * cuts at the limit (one process would have allowed the limit on each node), both nodes report the
 * same usage, and a reset through B's API resets it on A too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpTarget } from '../helpers/sks5-process.js';
import { startRedis } from '../helpers/redis-server.js';
import { api, download, startNode, until } from '../helpers/cluster-nodes.js';

const LIMIT = 100_000;
const BODY = 30_000;

test('a daily byte quota spent half on A and half on B cuts at the limit; a reset on B resets A', async (t) => {
  const redis = await startRedis(t);
  const url = `http://127.0.0.1:${await startHttpTarget(t, 'q'.repeat(BODY))}/`;
  const userQuota = `[users.quotas]\ndaily_bandwidth_bytes = ${LIMIT}\n`;
  const a = await startNode(t, 'node-a', redis.url, '', userQuota);
  const b = await startNode(t, 'node-b', redis.url, '', userQuota);
  const used = async (srv: typeof a): Promise<number> => (await api(srv, '/api/quotas/alice')).body.data.daily_bytes as number;

  let delivered = 0;
  let refusedAt = -1;
  for (let i = 0; i < 10; i++) {
    const via = i % 2 === 0 ? a : b;
    const other = via === a ? b : a;
    const r = await download(via, url);
    delivered += r.bytes;
    if (r.code === 97) { refusedAt = i; break; }
    // The other node shows the same usage before the next download goes through it.
    const mine = await used(via);
    await until(async () => (await used(other)) === mine, 5000, `the other node shows ${mine} bytes used`);
  }
  assert.ok(refusedAt >= 3, `refused only once the quota was spent (at download ${refusedAt})`);
  assert.ok(delivered < LIMIT, `${delivered} body bytes through both nodes, under the one quota of ${LIMIT}`);
  assert.ok(delivered > LIMIT - 2 * BODY, `${delivered} bytes: the quota was really used, not refused early`);
  const [ua, ub] = [await used(a), await used(b)];
  assert.equal(ua, ub, 'both nodes report the same usage');
  assert.ok(ua <= LIMIT && ua > LIMIT - 1000, `usage ${ua} stops at the limit ${LIMIT}`);
  assert.equal((await download(a, url)).code, 97, 'A refuses too');

  assert.equal((await api(b, '/api/quotas/alice/reset', { method: 'POST' })).status, 200);
  await until(async () => (await used(a)) === 0, 1000, 'the reset on B reaches A');
  const again = await download(a, url);
  assert.deepEqual(again, { code: 0, bytes: BODY }, 'A serves again after the reset');
});
