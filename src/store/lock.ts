/**
 * One sks5 per data directory: two processes writing the same ban and quota tables would each
 * overwrite the other's counters. `sks5.lock` is created with O_EXCL and holds the owner's pid;
 * a lock whose pid is no longer running (a crash, a kill -9) is stale and taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'sks5.lock';

/** The only fatal persistence error: another live process owns the data directory. */
export class DataDirLockedError extends Error {
  readonly pid: number;
  readonly path: string;
  constructor(path: string, pid: number) {
    super(`data directory is in use by another sks5 process (pid ${pid}); lock file ${path}. Stop that process or use another [persistence] data_dir.`);
    this.name = 'DataDirLockedError';
    this.pid = pid;
    this.path = path;
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Remove the lock file if it is still ours; idempotent. */
  release(): void;
}

/** Is a process with this pid running? EPERM means it exists but belongs to someone else. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files this process holds, so a lock naming our own pid can be told apart from a stale one. */
const heldHere = new Set<string>();

/**
 * Does `owner` (the pid in the lock file) still hold it? Our own pid only if this process took
 * the lock: in a container sks5 is often pid 1 on every start, so a lock left by a crashed
 * previous run names our pid and must be seen as stale, not as a live rival.
 */
function ownerAlive(owner: number, path: string): boolean {
  if (owner === process.pid) return heldHere.has(path);
  return pidAlive(owner);
}

function readPid(path: string): number {
  try {
    // A pid is a few digits; anything larger is not our lock file's content.
    const text = readFileSync(path, 'utf8').slice(0, 32).trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : 0;
  } catch {
    return 0;
  }
}

/**
 * Take the lock in `dir` (which must exist). Throws DataDirLockedError when a live process holds
 * it; other errors (EACCES, EROFS, ENOTDIR...) are thrown as they are, for the caller to degrade.
 */
export function acquireDataDirLock(dir: string, pid = process.pid, parent?: number): DataDirLock {
  const path = join(dir, LOCK_FILE);
  // A worker of `[server] workers` shares the directory its primary (the lock's owner) holds.
  if (parent !== undefined) {
    const owner = readPid(path);
    if (owner !== parent || !pidAlive(owner)) throw new DataDirLockedError(path, owner);
    return { path, release: () => undefined };
  }
  // Two attempts: the second one after removing a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readPid(path);
      if (ownerAlive(owner, path)) throw new DataDirLockedError(path, owner);
      try { unlinkSync(path); } catch { /* another process may have removed it first */ }
      continue;
    }
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
    let held = true;
    heldHere.add(path);
    return {
      path,
      release(): void {
        if (!held) return;
        held = false;
        heldHere.delete(path);
        // Only remove the file if it is still ours (a stale-lock takeover may have replaced it).
        if (readPid(path) === pid) {
          try { unlinkSync(path); } catch { /* already gone */ }
        }
      },
    };
  }
  throw new DataDirLockedError(path, readPid(path));
}
