/**
 * The state database schema, as an ordered list of migrations. `PRAGMA user_version` records how
 * many have run; opening a database applies the missing ones in one transaction. Never edit a
 * shipped migration: append a new one.
 */
import type { Database } from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: bans, auth-failure windows, quota counters, reputation, per-user shell data.
  `
  CREATE TABLE bans (
    ip TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL,   -- epoch ms
    reason TEXT NOT NULL DEFAULT ''
  );
  CREATE TABLE auth_failures (
    ip TEXT PRIMARY KEY,
    timestamps TEXT NOT NULL        -- JSON array of epoch ms, newest last
  );
  CREATE TABLE quota_usage (
    username TEXT PRIMARY KEY,
    day INTEGER NOT NULL,           -- UTC days since the epoch the daily counters belong to
    daily_bytes INTEGER NOT NULL DEFAULT 0,
    daily_connections INTEGER NOT NULL DEFAULT 0,
    month INTEGER NOT NULL,         -- year * 12 + month (0-based), UTC
    monthly_bytes INTEGER NOT NULL DEFAULT 0,
    monthly_connections INTEGER NOT NULL DEFAULT 0,
    total_bytes INTEGER NOT NULL DEFAULT 0,
    hour_buckets TEXT NOT NULL DEFAULT '[]',  -- JSON [[minute index, bytes], ...]
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE reputation (
    ip TEXT PRIMARY KEY,
    score REAL NOT NULL,
    updated_at INTEGER NOT NULL,
    auth_failures INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE shell_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    line TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX shell_history_user ON shell_history (username, id);
  CREATE TABLE bookmarks (
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    target TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (username, name)
  );
  CREATE TABLE user_logins (
    username TEXT PRIMARY KEY,
    last_login INTEGER NOT NULL,
    last_ip TEXT NOT NULL DEFAULT ''
  );
  `,
  // 2: shell aliases, kept like bookmarks (`alias add` in one session works in the next).
  `
  CREATE TABLE aliases (
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    command TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (username, name)
  );
  `,
];

export class SchemaTooNewError extends Error {
  constructor(found: number, known: number) {
    super(`the state database has schema version ${found}, newer than this sks5 understands (${known}); refusing to touch it`);
    this.name = 'SchemaTooNewError';
  }
}

/** Bring `db` to the latest schema. Returns the version it was at before. */
export function migrate(db: Database): number {
  const version = (): number => Number(db.pragma('user_version', { simple: true }));
  const seen = version();
  if (seen > MIGRATIONS.length) throw new SchemaTooNewError(seen, MIGRATIONS.length);
  if (seen === MIGRATIONS.length) return seen;
  // The workers of one machine open a new file at the same moment: BEGIN IMMEDIATE makes the
  // second wait for the first's migration (busy timeout) and then find it done, instead of both
  // reading version 0 and the second failing on "table bans already exists".
  return db.transaction(() => {
    const from = version();
    if (from > MIGRATIONS.length) throw new SchemaTooNewError(from, MIGRATIONS.length);
    for (let v = from; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] ?? '');
    // user_version cannot be a bound parameter; the value is our own integer.
    db.pragma(`user_version = ${MIGRATIONS.length}`);
    return from;
  }).immediate();
}
