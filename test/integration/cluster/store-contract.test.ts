/**
 * One contract, two stores: the commands of the store port (src/cluster/store.ts) give the same
 * replies on a real redis-server and on the primary's MemoryStore, so the sync code that runs on
 * Redis for `[cluster]` runs unchanged on `[server] workers` without Redis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRedisLink } from '../../../src/cluster/redis-link.js';
import { MemoryStore } from '../../../src/cluster/memory-store.js';
import { storeCommands, type StoreCommands } from '../../../src/cluster/store.js';
import { encodeBanVersion } from '../../../src/cluster/ban-versions.js';
import { startRedis } from '../../helpers/redis-server.js';

const ban = (at: number, node: string): string => encodeBanVersion({ at, node, expiresAt: at + 60_000, reason: 'r', removed: false });

/** The same script of commands on either store; returns every reply in order. */
async function script(c: StoreCommands): Promise<unknown[]> {
  const out: unknown[] = [];
  out.push(await c.multi()
    .hSet('t:h', 'a', '1').hIncrBy('t:h', 'a', 41).hIncrBy('t:h', 'n', 5).hGetAll('t:h')
    .hDel('t:h', 'n').hDel('t:h', 'missing').hGetAll('t:h').hGetAll('t:none')
    .exec());
  out.push(await c.multi()
    .setIfNewer('t:bans', '10.0.0.1', ban(100, 'a'), 100, 'a')
    .setIfNewer('t:bans', '10.0.0.1', ban(99, 'z'), 99, 'z')
    .setIfNewer('t:bans', '10.0.0.1', ban(100, 'a'), 100, 'a')
    .setIfNewer('t:bans', '10.0.0.1', ban(100, 'b'), 100, 'b')
    .hGetAll('t:bans')
    .delIfUnchanged('t:bans', '10.0.0.1', 'not the value')
    .delIfUnchanged('t:bans', '10.0.0.1', ban(100, 'b'))
    .hGetAll('t:bans')
    .exec());
  out.push(await c.multi()
    .raiseFields('t:q', ['b', '10', 'c', '2']).raiseFields('t:q', ['b', '5', 'c', '7']).hGetAll('t:q')
    .exec());
  out.push(await c.multi()
    .zAdd('t:z', [{ score: 3, value: '3:a' }, { score: 1, value: '1:a' }, { score: 2, value: '2:b' }])
    .zAdd('t:z', [{ score: 1, value: '1:a' }])
    .zRemRangeByScore('t:z', '-inf', 1)
    .exec());
  out.push(await c.zRangeWithScores('t:z'));
  out.push(await c.zRangeWithScores('t:nothing'));
  out.push(await c.multi().pExpire('t:z', 60_000).pExpire('t:none', 1000).del(['t:z', 't:none']).exec());
  const keys: string[] = [];
  for (let i = 0; i < 7; i++) await c.multi().zAdd(`t:fail:10.0.0.${i}`, [{ score: i, value: `${i}:a` }]).exec();
  for await (const page of c.scanIterator({ MATCH: 't:fail:*', COUNT: 3 })) keys.push(...page);
  out.push(keys.sort());
  out.push(await c.hGetAll('t:h'));
  return out;
}

test('the store commands give the same replies on redis-server and on the memory store', async (t) => {
  const redis = await startRedis(t);
  const link = openRedisLink({ url: redis.url, channel: 't:chan', onMessage: () => undefined, onUp: () => undefined, onDown: () => undefined });
  t.after(() => link.close());
  const deadline = Date.now() + 10_000;
  while (!link.up && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(link.up, true, 'redis link up');
  const fromRedis = await script(link.client);
  const published: Array<[string, string]> = [];
  const memory = new MemoryStore({ now: () => 1_000, monotonic: () => 1_000 } as never, (ch, m) => { published.push([ch, m]); return 1; });
  const fromMemory = await script(storeCommands(memory));
  assert.deepEqual(fromMemory, fromRedis);
  // Spot checks, so a change to both at once cannot pass unnoticed.
  assert.deepEqual((fromRedis[0] as unknown[])[3], { a: '42', n: '5' });
  assert.deepEqual((fromRedis[1] as unknown[]).slice(0, 4), [1, 0, 0, 1], 'older and equal versions lose, same instant later node name wins');
  assert.deepEqual((fromRedis[2] as unknown[])[2], { b: '10', c: '7' }, 'raise never lowers');
  assert.deepEqual(fromRedis[3 + 1], [{ value: '2:b', score: 2 }, { value: '3:a', score: 3 }]);
  assert.equal((fromRedis[7] as string[]).length, 7, 'scan walks every page');
});

test('memory store: keys expire on the injected clock; a batch with a wrong-type command changes nothing; publish reaches subscribers after the writes', async () => {
  let now = 0;
  const seen: string[] = [];
  const m = new MemoryStore({ now: () => now, monotonic: () => now } as never, (_ch, msg) => { seen.push(msg); return 1; });
  m.run([{ op: 'hSet', key: 'k', field: 'f', value: 'v' }, { op: 'pExpire', key: 'k', ms: 1000 }]);
  now = 999;
  assert.deepEqual(m.run([{ op: 'hGetAll', key: 'k' }]), [{ f: 'v' }]);
  now = 1000;
  assert.deepEqual(m.run([{ op: 'hGetAll', key: 'k' }]), [{}]);
  m.run([{ op: 'zAdd', key: 'z', members: [{ score: 1, value: 'a' }] }]);
  assert.throws(() => m.run([{ op: 'hSet', key: 'x', field: 'f', value: '1' }, { op: 'hSet', key: 'z', field: 'f', value: '1' }]), /WRONGTYPE/);
  assert.deepEqual(m.run([{ op: 'hGetAll', key: 'x' }]), [{}], 'nothing of the refused batch was applied');
  const replies = m.run([{ op: 'hSet', key: 'y', field: 'f', value: '1' }, { op: 'publish', channel: 'c', message: 'hello' }]);
  assert.deepEqual(replies, [1, 1]);
  assert.deepEqual(seen, ['hello']);
});
