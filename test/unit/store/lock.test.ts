import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataDirLock, DataDirLockedError, LOCK_FILE, pidAlive } from '../../../src/store/lock.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  assert.ok(r.pid && !pidAlive(r.pid));
  return r.pid;
}

test('the lock file holds our pid and a second holder is refused with a clear message', (t) => {
  const dir = tempDir(t);
  const lock = acquireDataDirLock(dir);
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
  assert.throws(() => acquireDataDirLock(dir), (err: unknown) => {
    assert.ok(err instanceof DataDirLockedError);
    assert.equal(err.pid, process.pid);
    assert.match(err.message, /in use by another sks5 process \(pid \d+\)/);
    return true;
  });
  lock.release();
  lock.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  acquireDataDirLock(dir).release();
});

test('a stale lock (its pid is dead) or a garbage lock file is taken over', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
  const lock = acquireDataDirLock(dir);
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
  lock.release();
  writeFileSync(join(dir, LOCK_FILE), 'not a pid at all');
  acquireDataDirLock(dir).release();
});

test('a lock naming our own pid that this process does not hold is stale (pid reuse, e.g. pid 1 in containers)', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`);
  const lock = acquireDataDirLock(dir);
  assert.throws(() => acquireDataDirLock(dir), DataDirLockedError, 'but once we hold it, it is ours');
  lock.release();
});

test('release leaves a lock that another process took over in place', (t) => {
  const dir = tempDir(t);
  const lock = acquireDataDirLock(dir);
  writeFileSync(join(dir, LOCK_FILE), '1\n'); // as if pid 1 had taken it over
  lock.release();
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), '1\n');
});

test('an unwritable place fails with the system error, not DataDirLockedError', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'file'), 'x');
  assert.throws(() => acquireDataDirLock(join(dir, 'file')), (err: unknown) => !(err instanceof DataDirLockedError) && (err as NodeJS.ErrnoException).code === 'ENOTDIR');
});
