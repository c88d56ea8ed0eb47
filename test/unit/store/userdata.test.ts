import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { openSqlite } from '../../../src/store/sqlite.js';
import { MAX_LINE_CHARS, UserData } from '../../../src/store/userdata.js';
import { makeConfig, recordingLog } from './state-fixtures.js';

const config = makeConfig({ persistence: { userdata: { shell_history_max: 3, bookmarks_max: 2 } } });

function withDb() {
  const db = openSqlite(':memory:');
  const clock = new FakeClock('2026-05-06T12:00:00Z');
  const log = recordingLog();
  const make = (): UserData => new UserData({ db, config: () => config, clock, log });
  return { db, clock, log, make };
}

test('history keeps the newest shell_history_max lines, on disk as in memory', () => {
  const { db, make } = withDb();
  const ud = make();
  for (const l of ['ls', 'show quota', '   ', 'test example.com:443', 'help']) ud.appendHistory('alice', l);
  assert.deepEqual(ud.getHistory('alice'), ['show quota', 'test example.com:443', 'help']);
  assert.deepEqual(make().getHistory('alice'), ['show quota', 'test example.com:443', 'help'], 'a fresh reader sees the stored lines');
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM shell_history').get() as { n: number }).n, 3);
  assert.deepEqual(ud.getHistory('bob'), []);
  ud.appendHistory('bob', 'x'.repeat(MAX_LINE_CHARS + 10));
  assert.equal(ud.getHistory('bob')[0]?.length, MAX_LINE_CHARS);
  ud.clearHistory('alice');
  assert.deepEqual(make().getHistory('alice'), []);
  db.close();
});

test('bookmarks: add, replace, list sorted, delete, bounded by bookmarks_max, names validated', () => {
  const { db, make } = withDb();
  const ud = make();
  assert.deepEqual(ud.addBookmark('alice', 'web', 'example.com:443'), { ok: true });
  assert.deepEqual(ud.addBookmark('alice', 'db', '10.0.0.5:5432'), { ok: true });
  const full = ud.addBookmark('alice', 'third', 'x:1');
  assert.ok(!full.ok && full.error === 'at most 2 bookmarks');
  assert.deepEqual(ud.addBookmark('alice', 'web', 'example.org:443'), { ok: true }, 'replacing does not count against the cap');
  assert.equal(ud.addBookmark('alice', 'bad name', 'x:1').ok, false);
  assert.deepEqual(make().listBookmarks('alice'), [{ name: 'db', target: '10.0.0.5:5432' }, { name: 'web', target: 'example.org:443' }]);
  assert.equal(ud.deleteBookmark('alice', 'db'), true);
  assert.equal(ud.deleteBookmark('alice', 'db'), false);
  assert.deepEqual(make().listBookmarks('alice'), [{ name: 'web', target: 'example.org:443' }]);
  db.close();
});

test('last login: recordLogin returns the previous one and it persists', () => {
  const { db, clock, make } = withDb();
  const ud = make();
  assert.equal(ud.recordLogin('alice', '192.0.2.1'), undefined);
  clock.advance(60_000);
  assert.deepEqual(ud.recordLogin('alice', '192.0.2.2'), { at: Date.parse('2026-05-06T12:00:00Z'), ip: '192.0.2.1' });
  assert.deepEqual(make().lastLogin('alice'), { at: Date.parse('2026-05-06T12:01:00Z'), ip: '192.0.2.2' });
  db.close();
});

test('without a database everything works in memory; a failing database warns once and keeps working', () => {
  const log = recordingLog();
  const mem = new UserData({ db: undefined, config: () => config, clock: new FakeClock(0), log });
  mem.appendHistory('alice', 'ls');
  assert.deepEqual(mem.getHistory('alice'), ['ls']);
  assert.equal(log.warnings.length, 0);

  const { db, make, log: log2 } = withDb();
  const ud = make();
  ud.getHistory('alice');
  db.exec('DROP TABLE shell_history');
  ud.appendHistory('alice', 'one');
  ud.appendHistory('alice', 'two');
  assert.deepEqual(ud.getHistory('alice'), ['one', 'two']);
  assert.equal(log2.warnings.length, 1);
  db.close();
});

test('aliases: set, replace, delete, read back by a fresh reader from the same database', () => {
  const { db, make } = withDb();
  const ud = make();
  ud.setAlias('alice', 'st', 'show status');
  ud.setAlias('alice', 'st', 'show status --all');
  ud.setAlias('alice', 'q', 'show quota');
  ud.setAlias('bob', 'x', 'help');
  assert.equal(ud.deleteAlias('alice', 'q'), true);
  assert.equal(ud.deleteAlias('alice', 'q'), false);
  assert.deepEqual(make().listAliases('alice'), { st: 'show status --all' });
  assert.deepEqual(make().listAliases('bob'), { x: 'help' });
  assert.deepEqual(make().listAliases('carol'), {});
  db.close();
});
