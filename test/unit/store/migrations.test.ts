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

test('workers opening a new file at the same moment all migrate it (the second waits for the first)', async () => {
  // Real processes on one real file: the race of `[server] workers` starting together, where the
  // second used to read version 0 too and fail on "table bans already exists".
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const dir = mkdtempSync(join(tmpdir(), 'sks5-migrate-'));
  try {
    for (let round = 0; round < 5; round++) {
      const file = join(dir, `state-${round}.db`);
      const mod = pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'src', 'store', 'migrations.js')).href;
      const script = `import Database from 'better-sqlite3'; import { migrate } from ${JSON.stringify(mod)};
        const db = new Database(${JSON.stringify(file)}, { timeout: 5000 }); db.pragma('journal_mode = WAL'); migrate(db); db.close();`;
      const codes = await Promise.all(Array.from({ length: 4 }, () => new Promise<{ code: number | null; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '..', '..', '..', '..'), stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
        p.on('exit', (code) => resolve({ code, err }));
      })));
      for (const c of codes) assert.equal(c.code, 0, c.err.split('\n').find((l) => /Error/.test(l)) ?? c.err.slice(0, 300));
      const db = new Database(file);
      assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
