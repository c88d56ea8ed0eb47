import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, MIGRATIONS, SchemaTooNewError } from '../../../src/store/migrations.js';
import { openSqlite } from '../../../src/store/sqlite.js';

test('a new database is brought to the latest schema version, and migrating again is a no-op', () => {
  const db = new Database(':memory:');
  assert.equal(migrate(db), 0);
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.equal(migrate(db), MIGRATIONS.length);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
  for (const name of ['auth_failures', 'bans', 'bookmarks', 'quota_usage', 'reputation', 'shell_history', 'user_logins']) assert.ok(tables.includes(name), name);
  db.close();
});

test('a database from a newer sks5 is refused instead of being modified', () => {
  const db = new Database(':memory:');
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  assert.throws(() => migrate(db), SchemaTooNewError);
  db.close();
});

test('openSqlite sets WAL-compatible pragmas and migrates', () => {
  const db = openSqlite(':memory:');
  assert.equal(db.pragma('synchronous', { simple: true }), 1, 'NORMAL');
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  db.close();
});
