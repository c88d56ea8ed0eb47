/**
 * Bans and auth-failure windows on disk. Loading returns what the BanList starts from; the
 * persistence port queues each change into the shared WriteQueue (last write per row wins).
 */
import type { BanPersistence, BanRecord, BanSnapshot, FailureRecord } from '../policy/ban.js';
import type { Db, WriteQueue } from './sqlite.js';

/** At most this many stamps per IP are read back: more than any sane ban_threshold. */
const MAX_STAMPS = 1000;

export class BanTable {
  readonly #db: Db;
  readonly #queue: WriteQueue;
  readonly #putBan;
  readonly #delBan;
  readonly #putFailures;
  readonly #delFailures;

  constructor(db: Db, queue: WriteQueue) {
    this.#db = db;
    this.#queue = queue;
    this.#putBan = db.prepare('INSERT INTO bans (ip, expires_at, reason) VALUES (?, ?, ?) ON CONFLICT(ip) DO UPDATE SET expires_at = excluded.expires_at, reason = excluded.reason');
    this.#delBan = db.prepare('DELETE FROM bans WHERE ip = ?');
    this.#putFailures = db.prepare('INSERT INTO auth_failures (ip, timestamps) VALUES (?, ?) ON CONFLICT(ip) DO UPDATE SET timestamps = excluded.timestamps');
    this.#delFailures = db.prepare('DELETE FROM auth_failures WHERE ip = ?');
  }

  /** Unexpired bans and all failure windows (the BanList drops stale stamps itself). */
  load(now: number): BanSnapshot {
    const bans = (this.#db.prepare('SELECT ip, expires_at, reason FROM bans WHERE expires_at > ?').all(now) as Array<{ ip: string; expires_at: number; reason: string }>)
      .map((r): BanRecord => ({ ip: r.ip, expiresAt: r.expires_at, reason: r.reason }));
    const failures: FailureRecord[] = [];
    for (const r of this.#db.prepare('SELECT ip, timestamps FROM auth_failures').all() as Array<{ ip: string; timestamps: string }>) {
      const stamps = parseStamps(r.timestamps);
      if (stamps.length > 0) failures.push({ ip: r.ip, timestamps: stamps });
    }
    this.#db.prepare('DELETE FROM bans WHERE expires_at <= ?').run(now);
    return { bans, failures };
  }

  persistence(): BanPersistence {
    const q = this.#queue;
    return {
      saveBan: (b) => q.enqueue(`ban:${b.ip}`, () => this.#putBan.run(b.ip, b.expiresAt, b.reason)),
      deleteBan: (ip) => q.enqueue(`ban:${ip}`, () => this.#delBan.run(ip)),
      saveFailures: (ip, stamps) => {
        const copy = [...stamps];
        q.enqueue(`fail:${ip}`, () => (copy.length === 0 ? this.#delFailures.run(ip) : this.#putFailures.run(ip, JSON.stringify(copy))));
      },
    };
  }
}

function parseStamps(text: string): number[] {
  try {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) return [];
    return v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).slice(-MAX_STAMPS);
  } catch {
    return [];
  }
}
