/**
 * Shell data on a real redis-server: the login read (one round trip for a user with a full
 * default history and bookmark list) and the memory a user's copy takes, the figures
 * docs/cluster.md quotes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { systemClock } from '../../../src/clock.js';
import { openRedisLink } from '../../../src/cluster/redis-link.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { UserDataSync } from '../../../src/cluster/user-data-sync.js';
import { UserData } from '../../../src/store/userdata.js';
import { startRedis } from '../../helpers/redis-server.js';
import { makeConfig, recordingLog } from '../../unit/store/state-fixtures.js';

const run = promisify(execFile);
const USERS = 200;

test('a login read of 100 history lines and 50 bookmarks takes one short round trip; memory per user measured', async (t) => {
  const redis = await startRedis(t);
  const link = openRedisLink({ url: redis.url, channel: 't:state', onMessage: () => undefined, onUp: () => undefined, onDown: () => undefined });
  t.after(() => link.close());
  const deadline = Date.now() + 10_000;
  while (!link.up && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(link.up, true);
  const config = makeConfig({});
  assert.equal(config.persistence.userdata.shell_history_max, 100);
  assert.equal(config.persistence.userdata.bookmarks_max, 50);
  const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec((await run('redis-cli', ['-p', String(redis.port), 'info', 'memory'])).stdout)?.[1]);
  const keys = clusterKeys('sks5:');
  const writer = new UserData({ db: undefined, config: () => config, clock: systemClock, log: recordingLog() });
  writer.joinCluster(new UserDataSync({ node: 'bastion1:2222', keys, config: () => config, clock: systemClock, store: () => link.client, knownUsers: () => [], warn: () => undefined }));

  const before = await usedMemory();
  for (let u = 0; u < USERS; u++) {
    const user = `user${u}`;
    // Lines of the length people type into this shell ("test db.internal.example:5432", "show quota").
    for (let i = 0; i < 100; i++) writer.appendHistory(user, `test host${i}.internal.example:${5000 + i}`);
    for (let i = 0; i < 50; i++) writer.addBookmark(user, `host${i}`, `host${i}.internal.example:443`);
    writer.recordLogin(user, '192.0.2.10');
    await new Promise((r) => setImmediate(r));
  }
  await until(async () => (await link.client.zRangeWithScores(keys.userHistory(`user${USERS - 1}`))).length === 100);
  const perUser = ((await usedMemory()) - before) / USERS;
  t.diagnostic(`Redis memory per user (100 history lines of ~32 chars, 50 bookmarks, last login): ${Math.round(perUser)} bytes`);
  assert.ok(perUser < 64 * 1024, `${perUser} bytes`);

  const reader = new UserData({ db: undefined, config: () => config, clock: systemClock, log: recordingLog() });
  reader.joinCluster(new UserDataSync({ node: 'bastion2:2222', keys, config: () => config, clock: systemClock, store: () => link.client, knownUsers: () => [], warn: () => undefined }));
  const times: number[] = [];
  for (let u = 0; u < 50; u++) {
    const start = performance.now();
    await reader.refresh(`user${u}`);
    times.push(performance.now() - start);
    assert.equal(reader.getHistory(`user${u}`).length, 100);
    assert.equal(reader.listBookmarks(`user${u}`).length, 50);
  }
  times.sort((x, y) => x - y);
  t.diagnostic(`login read (round trip, decode, adopt into memory): median ${times[25]!.toFixed(2)} ms, max ${times[49]!.toFixed(2)} ms over 50 users`);
  assert.ok(times[25]! < 50);
});

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('not within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}
