import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { FakeClock } from '../../src/clock.js';
import { DataDirLockedError, DB_FILE, openStateStore, resolveDataDir } from '../../src/store/state.js';
import { LOCK_FILE } from '../../src/store/lock.js';
import { makeConfig, recordingBus, recordingLog, userOf } from '../unit/store/state-fixtures.js';
import type { Config } from '../../src/config/schema.js';

const config = makeConfig({
  security: { ban_threshold: 2, ban_duration: 3600, ip_reputation_enabled: true },
  users: [{ username: 'alice', authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB a'], quotas: { daily_bandwidth_bytes: 1_000_000 } }],
});

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function open(dataDir: string, clock = new FakeClock('2026-05-06T12:00:00Z'), cfg: Config = config) {
  const log = recordingLog();
  const { bus, named } = recordingBus(clock);
  const store = openStateStore({ config: () => cfg, clock, events: bus, log, dataDir, timers: false });
  return { store, log, named, clock };
}

test('bans, failures, quota counters, reputation and shell data survive close and reopen', (t) => {
  const dir = tempDir(t);
  const clock = new FakeClock('2026-05-06T12:00:00Z');
  const a = open(dir, clock);
  assert.equal(a.store.persistenceAvailable, true);
  assert.equal(a.log.warnings.length, 0);
  a.store.bans.recordFailure('192.0.2.1');
  a.store.bans.recordFailure('192.0.2.1');
  a.store.bans.recordFailure('198.51.100.7');
  a.store.bans.ban('2001:db8::9', 600, 'manual');
  a.store.reputation.authFailure('192.0.2.1');
  a.store.reputation.authFailure('192.0.2.1');
  const alice = userOf(config, 'alice');
  a.store.quotas.chargeConnection('alice');
  a.store.quotas.account('alice', alice.quotas, 123_456);
  a.store.userdata.appendHistory('alice', 'show quota');
  a.store.userdata.addBookmark('alice', 'web', 'example.com:443');
  a.store.userdata.recordLogin('alice', '192.0.2.50');
  a.store.close();
  a.store.close();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'lock released on close');

  clock.advance(60_000);
  const b = open(dir, clock);
  t.after(() => b.store.close());
  assert.deepEqual(b.store.bans.list().map((x) => x.ip).sort(), ['192.0.2.1', '2001:db8::9']);
  assert.equal(b.store.bans.list().find((x) => x.ip === '192.0.2.1')?.remaining_secs, 3540);
  assert.equal(b.store.bans.failures('198.51.100.7'), 1, 'a failure window survives too');
  assert.equal(b.store.bans.recordFailure('198.51.100.7'), true, 'and counts towards the next ban');
  assert.ok(b.store.reputation.score('192.0.2.1') > 19);
  const u = b.store.usage(alice);
  assert.equal(u.daily_bytes_limit, 1_000_000);
  assert.equal(u.daily_bytes, 123_456);
  assert.equal(u.daily_connections, 1);
  assert.equal(u.total_bytes, 123_456);
  assert.equal(u.hourly_bytes, 123_456);
  assert.deepEqual(b.store.userdata.getHistory('alice'), ['show quota']);
  assert.deepEqual(b.store.userdata.listBookmarks('alice'), [{ name: 'web', target: 'example.com:443' }]);
  assert.equal(b.store.userdata.lastLogin('alice')?.ip, '192.0.2.50');

  b.store.resetQuota('alice');
  assert.equal(b.store.usage('alice').daily_bytes, 0);
  // resetQuota writes at once: another reader of the file sees it (WAL allows concurrent readers).
  const reader = new Database(join(dir, DB_FILE), { readonly: true });
  assert.equal((reader.prepare("SELECT daily_bytes FROM quota_usage WHERE username = 'alice'").get() as { daily_bytes: number }).daily_bytes, 0);
  reader.close();
});

test('quota counters reset on reopen after a UTC day boundary, lifetime total kept', (t) => {
  const dir = tempDir(t);
  const clock = new FakeClock('2026-05-06T23:59:00Z');
  const a = open(dir, clock);
  a.store.quotas.account('alice', userOf(config).quotas, 5000);
  a.store.close();
  clock.set('2026-05-07T00:00:30Z');
  const b = open(dir, clock);
  t.after(() => b.store.close());
  const u = b.store.quotas.usage('alice');
  assert.equal(u.daily_bytes, 0);
  assert.equal(u.monthly_bytes, 5000);
  assert.equal(u.total_bytes, 5000);
});

test('the database uses WAL and a versioned schema; expired bans are not reloaded (and ban.expired is not replayed)', (t) => {
  const dir = tempDir(t);
  const clock = new FakeClock('2026-05-06T12:00:00Z');
  const a = open(dir, clock);
  a.store.bans.ban('192.0.2.3', 10);
  a.store.close();
  const db = new Database(join(dir, DB_FILE), { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(statSync(join(dir, DB_FILE)).mode & 0o777, 0o600, 'owner-only: shell history lives here');
  assert.ok(Number(db.pragma('user_version', { simple: true })) >= 1);
  db.close();
  clock.advance(11_000);
  const b = open(dir, clock);
  t.after(() => b.store.close());
  assert.deepEqual(b.store.bans.list(), []);
});

test('a second instance on the same data dir is refused, in-process and from another process', async (t) => {
  const dir = tempDir(t);
  const a = open(dir);
  assert.throws(() => open(dir), DataDirLockedError);
  a.store.close();
  open(dir).store.close();

  // Another process holds the lock: the child opens the store and waits to be killed.
  const stateUrl = pathToFileURL(join(process.cwd(), 'dist/src/store/state.js')).href;
  const schemaUrl = pathToFileURL(join(process.cwd(), 'dist/src/config/schema.js')).href;
  const eventsUrl = pathToFileURL(join(process.cwd(), 'dist/src/observe/events.js')).href;
  const script = join(dir, 'holder.mjs');
  writeFileSync(script, `
    import { openStateStore } from ${JSON.stringify(stateUrl)};
    import { configSchema } from ${JSON.stringify(schemaUrl)};
    import { EventBus } from ${JSON.stringify(eventsUrl)};
    const config = configSchema.parse({ users: [{ username: 'a', authorized_keys: ['k'] }] });
    openStateStore({ config: () => config, clock: { now: Date.now, monotonic: () => performance.now() }, events: new EventBus(), log: console, dataDir: process.argv[2] });
    console.log('locked');
    setTimeout(() => {}, 60000);
  `);
  const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child never took the lock')), 20_000);
    child.stdout.on('data', (b: Buffer) => { if (b.toString().includes('locked')) { clearTimeout(timer); resolve(); } });
    child.on('exit', () => reject(new Error('child exited early')));
  });
  assert.throws(() => open(dir), (err: unknown) => err instanceof DataDirLockedError && err.pid === child.pid);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const after = open(dir);
  assert.equal(after.store.persistenceAvailable, true, 'the dead holder\'s lock is stale and taken over');
  after.store.close();
});

test('an unwritable data dir degrades to memory with a warning, and everything still works', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a-file'), 'x');
  const { store, log } = open(join(dir, 'a-file', 'data'));
  t.after(() => store.close());
  assert.equal(store.persistenceAvailable, false);
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0] ?? '', /running in memory only/);
  assert.ok(store.degradedReason);
  store.bans.ban('192.0.2.1', 60);
  assert.equal(store.bans.check('192.0.2.1').banned, true);
  store.userdata.appendHistory('alice', 'ls');
  assert.deepEqual(store.userdata.getHistory('alice'), ['ls']);
  store.flush();
});

test('a corrupt database file degrades to memory with a warning and is left untouched', (t) => {
  const dir = tempDir(t);
  const garbage = Buffer.alloc(8192, 0x5a);
  writeFileSync(join(dir, DB_FILE), garbage);
  const { store, log } = open(dir);
  assert.equal(store.persistenceAvailable, false);
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0] ?? '', /not a database|integrity/i);
  store.quotas.chargeConnection('alice');
  assert.equal(store.quotas.usage('alice').daily_connections, 1);
  store.close();
  assert.deepEqual(readFileSync(join(dir, DB_FILE)), garbage);
  assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'no lock left behind');
});

test('a database with a damaged schema (a table missing) degrades instead of crashing startup', (t) => {
  const dir = tempDir(t);
  open(dir).store.close();
  const db = new Database(join(dir, DB_FILE));
  db.exec('DROP TABLE quota_usage');
  db.close();
  const { store, log } = open(dir);
  store.close();
  assert.equal(store.persistenceAvailable, false);
  assert.match(log.warnings[0] ?? '', /no such table: quota_usage/);
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
});

test('a database written by a newer sks5 is left alone', (t) => {
  const dir = tempDir(t);
  open(dir).store.close();
  const db = new Database(join(dir, DB_FILE));
  db.pragma('user_version = 999');
  db.close();
  const { store, log } = open(dir);
  store.close();
  assert.equal(store.persistenceAvailable, false);
  assert.match(log.warnings[0] ?? '', /newer than this sks5/);
});

test('persistence disabled in config: memory only, nothing written', (t) => {
  const dir = tempDir(t);
  const cfg = makeConfig({ persistence: { state: { enabled: false }, userdata: { enabled: false } } });
  const { store, log } = open(dir, undefined, cfg);
  store.close();
  assert.equal(store.persistenceAvailable, false);
  assert.equal(log.warnings.length, 0);
  assert.equal(existsSync(join(dir, DB_FILE)), false);
});

test('data dir resolution: [persistence] data_dir, else SKS5_DATA_DIR, else ./data', () => {
  assert.equal(resolveDataDir(makeConfig({ persistence: { data_dir: '/srv/sks5' } }), { SKS5_DATA_DIR: '/data' }), '/srv/sks5');
  assert.equal(resolveDataDir(makeConfig(), { SKS5_DATA_DIR: '/data' }), '/data');
  assert.equal(resolveDataDir(makeConfig(), {}), join(process.cwd(), 'data'));
});
