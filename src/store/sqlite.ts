/**
 * Opening the state database and batching its writes. WAL with synchronous=NORMAL: a commit is
 * not fsynced, so a power cut may lose the last transactions but never corrupts the file, and a
 * process crash (kill -9) loses nothing that was committed. Writes are queued in memory and
 * committed together in one transaction at most every second (and on close).
 */
import Database, { type Database as Db } from 'better-sqlite3';
import { chmodSync } from 'node:fs';
import { migrate } from './migrations.js';

export type { Db };

export interface StoreLog {
  warn(msg: string): void;
  info?(msg: string): void;
}

/** Open (creating if needed) and migrate. Throws on a corrupt or foreign file. */
export function openSqlite(file: string): Db {
  const db = new Database(file, { timeout: 5000 });
  try {
    // A garbage file fails here with SQLITE_NOTADB; a damaged one fails the quick check.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check failed: ${String(check).slice(0, 200)}`);
    migrate(db);
    // Shell history can hold hostnames and commands: owner-only, like the original's state files.
    // (SQLite gives the -wal and -shm files the main file's mode.)
    if (file !== ':memory:') chmodSync(file, 0o600);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Pending writes, keyed so a later write to the same row replaces an earlier one (a ban created
 * and lifted within one second costs one DELETE). `flush` runs them all in one transaction.
 */
export class WriteQueue {
  readonly #db: Db;
  readonly #log: StoreLog;
  #pending = new Map<string, (db: Db) => void>();
  #failing = false;
  /** Committed batches and failed attempts, for the sks5_persistence_* counters. */
  flushes = 0;
  flushErrors = 0;

  constructor(db: Db, log: StoreLog) {
    this.#db = db;
    this.#log = log;
  }

  get size(): number { return this.#pending.size; }

  enqueue(key: string, write: (db: Db) => void): void {
    this.#pending.set(key, write);
  }

  /** Commit everything queued. Returns false (and logs once per outage) when the write failed. */
  flush(): boolean {
    if (this.#pending.size === 0) return true;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      this.#db.transaction(() => {
        for (const write of batch.values()) write(this.#db);
      })();
      if (this.#failing) this.#log.warn('state database writable again');
      this.#failing = false;
      this.flushes += 1;
      return true;
    } catch (err) {
      // Keep the batch for the next attempt (newer writes to the same keys win), e.g. a full disk.
      for (const [k, w] of batch) if (!this.#pending.has(k)) this.#pending.set(k, w);
      if (!this.#failing) this.#log.warn(`state database write failed, will retry: ${(err as Error).message}`);
      this.#failing = true;
      this.flushErrors += 1;
      return false;
    }
  }
}
