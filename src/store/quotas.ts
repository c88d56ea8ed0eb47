/**
 * Quota counters on disk. The ledger marks users dirty on every accounted chunk (a Set insert);
 * `collect` turns the dirty set into one upsert per user in the shared WriteQueue, so a busy
 * user costs one row write per flush, not one per chunk.
 */
import type { QuotaLedger, QuotaPersistence, UsageRecord } from '../policy/quota.js';
import type { Db, WriteQueue } from './sqlite.js';

interface Row {
  username: string; day: number; daily_bytes: number; daily_connections: number; month: number;
  monthly_bytes: number; monthly_connections: number; total_bytes: number; hour_buckets: string; updated_at: number;
}

export class QuotaTable {
  readonly #db: Db;
  readonly #queue: WriteQueue;
  readonly #dirty = new Set<string>();
  readonly #put;

  constructor(db: Db, queue: WriteQueue) {
    this.#db = db;
    this.#queue = queue;
    this.#put = db.prepare(`INSERT INTO quota_usage (username, day, daily_bytes, daily_connections, month, monthly_bytes, monthly_connections, total_bytes, hour_buckets, updated_at)
      VALUES (@username, @day, @dailyBytes, @dailyConnections, @month, @monthlyBytes, @monthlyConnections, @totalBytes, @hourBuckets, @updatedAt)
      ON CONFLICT(username) DO UPDATE SET day = excluded.day, daily_bytes = excluded.daily_bytes, daily_connections = excluded.daily_connections,
        month = excluded.month, monthly_bytes = excluded.monthly_bytes, monthly_connections = excluded.monthly_connections,
        total_bytes = excluded.total_bytes, hour_buckets = excluded.hour_buckets, updated_at = excluded.updated_at`);
  }

  load(): UsageRecord[] {
    return (this.#db.prepare('SELECT * FROM quota_usage').all() as Row[]).map((r) => ({
      username: r.username, day: r.day, dailyBytes: r.daily_bytes, dailyConnections: r.daily_connections,
      month: r.month, monthlyBytes: r.monthly_bytes, monthlyConnections: r.monthly_connections,
      totalBytes: r.total_bytes, hourBuckets: parseBuckets(r.hour_buckets), updatedAt: r.updated_at,
    }));
  }

  persistence(): QuotaPersistence {
    return { dirty: (username) => { this.#dirty.add(username); } };
  }

  /** Queue the current counters of every user changed since the last collect. */
  collect(ledger: QuotaLedger): void {
    for (const username of this.#dirty) {
      const rec = ledger.record(username);
      if (!rec) continue;
      const row = { ...rec, hourBuckets: JSON.stringify(rec.hourBuckets) };
      this.#queue.enqueue(`quota:${username}`, () => this.#put.run(row));
    }
    this.#dirty.clear();
  }
}

function parseBuckets(text: string): Array<[number, number]> {
  try {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) return [];
    return v
      .filter((p): p is [number, number] => Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number')
      .slice(0, 120);
  } catch {
    return [];
  }
}
