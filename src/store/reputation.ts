/**
 * Reputation scores on disk. Only scores at or above `persistence.state.ip_reputation_min_score`
 * are kept (the rest decay to nothing within hours and are not worth a row).
 */
import type { ReputationPersistence, ReputationRecord } from '../policy/reputation.js';
import type { Db, WriteQueue } from './sqlite.js';

export class ReputationTable {
  readonly #db: Db;
  readonly #queue: WriteQueue;
  readonly #put;
  readonly #del;

  constructor(db: Db, queue: WriteQueue) {
    this.#db = db;
    this.#queue = queue;
    this.#put = db.prepare('INSERT INTO reputation (ip, score, updated_at, auth_failures) VALUES (?, ?, ?, ?) ON CONFLICT(ip) DO UPDATE SET score = excluded.score, updated_at = excluded.updated_at, auth_failures = excluded.auth_failures');
    this.#del = db.prepare('DELETE FROM reputation WHERE ip = ?');
  }

  load(): ReputationRecord[] {
    return (this.#db.prepare('SELECT ip, score, updated_at, auth_failures FROM reputation').all() as Array<{ ip: string; score: number; updated_at: number; auth_failures: number }>)
      .filter((r) => Number.isFinite(r.score) && r.score > 0)
      .map((r) => ({ ip: r.ip, score: r.score, updatedAt: r.updated_at, authFailures: r.auth_failures }));
  }

  persistence(minScore: () => number): ReputationPersistence {
    return {
      save: (r) => {
        const keep = r.score >= minScore();
        this.#queue.enqueue(`rep:${r.ip}`, () => (keep ? this.#put.run(r.ip, r.score, r.updatedAt, r.authFailures) : this.#del.run(r.ip)));
      },
      delete: (ip) => this.#queue.enqueue(`rep:${ip}`, () => this.#del.run(ip)),
    };
  }
}
