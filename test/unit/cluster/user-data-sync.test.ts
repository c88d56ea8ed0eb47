import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { MemoryStore } from '../../../src/cluster/memory-store.js';
import { storeCommands, type StoreCommands } from '../../../src/cluster/store.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { decodeUser, historyLine, historyMember, READ_TIMEOUT_MS, UserDataSync } from '../../../src/cluster/user-data-sync.js';
import { openSqlite } from '../../../src/store/sqlite.js';
import { UserData } from '../../../src/store/userdata.js';
import { makeConfig, recordingLog } from '../store/state-fixtures.js';

const config = makeConfig({ persistence: { userdata: { shell_history_max: 3, bookmarks_max: 2 } } });
const keys = clusterKeys('t:');

function cluster() {
  const clock = new FakeClock('2026-05-06T12:00:00Z');
  const memory = new MemoryStore(clock, () => 0);
  const commands = storeCommands(memory);
  let up = true;
  const node = (name: string, db = openSqlite(':memory:')) => {
    const data = new UserData({ db, config: () => config, clock, log: recordingLog() });
    const sync = new UserDataSync({ node: name, keys, config: () => config, clock, store: () => (up ? commands : undefined), knownUsers: () => data.knownUsers(), warn: () => undefined });
    data.joinCluster(sync);
    return { data, db, sync };
  };
  const settle = () => new Promise((r) => setImmediate(r));
  return { clock, memory, commands, node, settle, setUp: (v: boolean) => { up = v; } };
}

test('history, bookmarks, aliases and the last login written on A are what B shows after its login read', async () => {
  const c = cluster();
  const a = c.node('a');
  const b = c.node('b');
  a.data.appendHistory('alice', 'ls');
  c.clock.advance(1);
  a.data.appendHistory('alice', 'show quota');
  a.data.addBookmark('alice', 'web', 'example.com:443');
  a.data.setAlias('alice', 'q', 'show quota');
  a.data.recordLogin('alice', '192.0.2.1');
  await c.settle();
  await b.data.refresh('alice');
  assert.deepEqual(b.data.getHistory('alice'), ['ls', 'show quota']);
  assert.deepEqual(b.data.listBookmarks('alice'), [{ name: 'web', target: 'example.com:443' }]);
  assert.deepEqual(b.data.listAliases('alice'), { q: 'show quota' });
  assert.deepEqual(b.data.recordLogin('alice', '192.0.2.2'), { at: c.clock.now(), ip: '192.0.2.1' }, "B's previous login is A's");
  await c.settle();
  await a.data.refresh('alice');
  assert.equal(a.data.lastLogin('alice')?.ip, '192.0.2.2', "and A sees B's");
  // B's disk copy took the cluster's: a fresh reader of B's database has the lines.
  assert.deepEqual(new UserData({ db: b.db, config: () => config, clock: c.clock, log: recordingLog() }).getHistory('alice'), ['ls', 'show quota']);
  b.data.deleteBookmark('alice', 'web');
  b.data.clearHistory('alice');
  await c.settle();
  await a.data.refresh('alice');
  assert.deepEqual(a.data.listBookmarks('alice'), []);
  assert.deepEqual(a.data.getHistory('alice'), []);
});

test("lines typed on two nodes interleave by when they were typed; Redis' copy stays bounded by shell_history_max", async () => {
  const c = cluster();
  const a = c.node('a');
  const b = c.node('b');
  for (let i = 0; i < 10; i++) {
    (i % 2 === 0 ? a : b).data.appendHistory('alice', `cmd${i}`);
    c.clock.advance(5);
    await c.settle();
  }
  await c.settle();
  const members = await c.commands.zRangeWithScores(keys.userHistory('alice'));
  // Each node trims after every shell_history_max lines of its own: at most the limit plus fewer than it per node.
  assert.ok(members.length <= 3 + 2 * (3 - 1), `bounded between trims (${members.length})`);
  await a.data.refresh('alice');
  assert.deepEqual(a.data.getHistory('alice'), ['cmd7', 'cmd8', 'cmd9']);
  await c.settle();
  assert.equal((await c.commands.zRangeWithScores(keys.userHistory('alice'))).length, 3, 'a login read trims to the limit');
});

test('changes made while Redis is away stay local, and the next login on that node writes them over the cluster copy', async () => {
  const c = cluster();
  const a = c.node('a');
  const b = c.node('b');
  a.data.appendHistory('alice', 'before');
  await c.settle();
  c.setUp(false);
  a.data.appendHistory('alice', 'during');
  a.data.addBookmark('alice', 'db', '10.0.0.5:5432');
  await b.data.refresh('alice');
  assert.deepEqual(b.data.getHistory('alice'), [], 'B cannot read: keeps its own (empty) copy');
  c.setUp(true);
  await a.data.refresh('alice');
  assert.deepEqual(a.data.getHistory('alice'), ['before', 'during'], 'A keeps what it counted while apart');
  await c.settle();
  await b.data.refresh('alice');
  assert.deepEqual(b.data.getHistory('alice'), ['before', 'during']);
  assert.deepEqual(b.data.listBookmarks('alice'), [{ name: 'db', target: '10.0.0.5:5432' }]);
});

test('last writer wins per user: a copy another node changed after our outage change is taken, not overwritten', async () => {
  const c = cluster();
  const a = c.node('a');
  const b = c.node('b');
  c.setUp(false);
  a.data.appendHistory('alice', 'typed on A while Redis was away');
  c.setUp(true);
  c.clock.advance(10);
  b.data.appendHistory('alice', 'typed on B later');
  await c.settle();
  await a.data.refresh('alice');
  assert.deepEqual(a.data.getHistory('alice'), ['typed on B later'], "B's newer copy wins");
  c.clock.advance(10);
  a.data.appendHistory('alice', 'next on A');
  await c.settle();
  await b.data.refresh('alice');
  assert.deepEqual(b.data.getHistory('alice'), ['typed on B later', 'next on A'], 'A is caught up: its next line is a plain append');
});

test('Redis back empty while a user is in a shell: the next line sends the whole history, not one line onto an empty one', async () => {
  const c = cluster();
  const a = c.node('a');
  const b = c.node('b');
  await a.sync.resync(c.commands);
  a.data.appendHistory('alice', 'one');
  a.data.appendHistory('alice', 'two');
  await c.settle();
  const all: string[] = [];
  for await (const page of c.commands.scanIterator({ MATCH: 't:*', COUNT: 100 })) all.push(...page);
  await c.commands.multi().del(all).exec();
  await a.sync.resync(c.commands);
  a.data.appendHistory('alice', 'three');
  await c.settle();
  await b.data.refresh('alice');
  assert.deepEqual(b.data.getHistory('alice'), ['one', 'two', 'three']);
  await a.sync.resync(c.commands);
  a.data.appendHistory('alice', 'four');
  await c.settle();
  // A whole copy would be the local three lines; one line added to Redis' three makes four (trimmed later).
  assert.equal((await c.commands.zRangeWithScores(keys.userHistory('alice'))).length, 4, 'a reconnect to the same Redis sends the line alone');
});

test('an empty Redis is seeded from the node a user logs in to, not emptied into it', async () => {
  const c = cluster();
  const db = openSqlite(':memory:');
  const alone = new UserData({ db, config: () => config, clock: c.clock, log: recordingLog() });
  alone.appendHistory('alice', 'from before the cluster');
  alone.recordLogin('alice', '192.0.2.9');
  const a = c.node('a', db);
  await a.data.refresh('alice');
  assert.deepEqual(a.data.getHistory('alice'), ['from before the cluster']);
  await c.settle();
  const b = c.node('b');
  await b.data.refresh('alice');
  assert.deepEqual(b.data.getHistory('alice'), ['from before the cluster']);
  assert.equal(b.data.lastLogin('alice')?.ip, '192.0.2.9');
});

test('a login read that Redis does not answer in time uses the local copy', async () => {
  const clock = new FakeClock('2026-05-06T12:00:00Z');
  const never = new Promise<never>(() => undefined);
  const stuck = { zRangeWithScores: () => never, hGetAll: () => never } as unknown as StoreCommands;
  const data = new UserData({ db: undefined, config: () => config, clock, log: recordingLog() });
  data.appendHistory('alice', 'local');
  data.joinCluster(new UserDataSync({ node: 'a', keys, config: () => config, clock, store: () => stuck, knownUsers: () => [], warn: () => undefined }));
  const start = performance.now();
  await data.refresh('alice');
  const took = performance.now() - start;
  assert.ok(took >= READ_TIMEOUT_MS - 5 && took < READ_TIMEOUT_MS + 200, `${took} ms`);
  assert.deepEqual(data.getHistory('alice'), ['local']);
});

test("decoding is bounded by the local store's limits and skips what is not ours", () => {
  const members = ['x', 'y', 'z', 'w'].map((l, i) => ({ value: historyMember('a', i, l), score: i }));
  members.push({ value: 'not json', score: 9 });
  const hash = { 'b:web': 'a:1', 'b:db': 'b:2', 'b:third': 'c:3', 'b:bad name': 'x', 'a:q': 'show quota', login: '{"at":5,"ip":"192.0.2.1"}', other: 'ignored' };
  assert.deepEqual(decodeUser(members, hash, { historyMax: 3, bookmarksMax: 2 }), {
    history: ['z', 'w'], bookmarks: { db: 'b:2', third: 'c:3' }, aliases: { q: 'show quota' }, lastLogin: { at: 5, ip: '192.0.2.1' },
  });
  assert.equal(historyLine(historyMember('n', 1, 'a "quoted"\nline')), 'a "quoted"\nline');
  assert.equal(historyLine('[1,2]'), undefined);
  assert.equal(decodeUser([], { login: 'garbage' }, { historyMax: 3, bookmarksMax: 2 }).lastLogin, undefined);
});
