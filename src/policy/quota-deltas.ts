/**
 * Usage counted on this node and not yet added to the cluster's totals (src/cluster/quota-sync.ts
 * sends them in batches). Daily and monthly parts roll with the calendar like the ledger's own
 * counters; the hourly part keeps its one-minute slices. Pure bookkeeping: `now` comes in.
 */
import type { CalendarCounters, QuotaScope } from './quota-types.js';
import { utcDay, utcMonth } from './rate.js';

export const HOUR_SLICE_MS = 60_000;

export interface QuotaDelta extends CalendarCounters {
  /** one-minute slice index -> bytes */
  hour: Map<number, number>;
}

/** Zero what an admin reset of `scope` covers: the same fields in the ledger's counters and in a pending delta. */
export function resetCounters(c: CalendarCounters & { readonly hour: { clear(): void } }, scope: QuotaScope): void {
  if (scope === 'all' || scope === 'daily') { c.dailyBytes = 0; c.dailyConnections = 0; }
  if (scope === 'all' || scope === 'monthly') { c.monthlyBytes = 0; c.monthlyConnections = 0; }
  if (scope === 'all' || scope === 'hourly') c.hour.clear();
  if (scope === 'all' || scope === 'total') c.totalBytes = 0;
}

function empty(now: number): QuotaDelta {
  return { day: utcDay(now), month: utcMonth(now), dailyBytes: 0, dailyConnections: 0, monthlyBytes: 0, monthlyConnections: 0, totalBytes: 0, hour: new Map() };
}

function roll(d: QuotaDelta, now: number): void {
  const day = utcDay(now);
  if (day === d.day) return;
  d.day = day; d.dailyBytes = 0; d.dailyConnections = 0;
  const month = utcMonth(now);
  if (month !== d.month) { d.month = month; d.monthlyBytes = 0; d.monthlyConnections = 0; }
}

export class QuotaDeltas {
  #byUser = new Map<string, QuotaDelta>();

  add(username: string, now: number, bytes: number, connections: number): void {
    let d = this.#byUser.get(username);
    if (!d) { d = empty(now); this.#byUser.set(username, d); } else roll(d, now);
    d.dailyBytes += bytes; d.monthlyBytes += bytes; d.totalBytes += bytes;
    d.dailyConnections += connections; d.monthlyConnections += connections;
    if (bytes > 0) {
      const slice = Math.floor(now / HOUR_SLICE_MS);
      d.hour.set(slice, (d.hour.get(slice) ?? 0) + bytes);
    }
  }

  /** What is pending for `username` now (rolled to the current period), or undefined. */
  pending(username: string, now: number): QuotaDelta | undefined {
    const d = this.#byUser.get(username);
    if (d) roll(d, now);
    return d;
  }

  get size(): number { return this.#byUser.size; }

  /** Everything pending, handed over and forgotten here. */
  take(): Array<[string, QuotaDelta]> {
    const out = [...this.#byUser];
    this.#byUser = new Map();
    return out;
  }

  /** A batch that could not be sent comes back, added to what was counted since (never lost, never doubled). */
  giveBack(batch: ReadonlyArray<readonly [string, QuotaDelta]>, now: number): void {
    for (const [username, d] of batch) {
      const cur = this.#byUser.get(username);
      if (!cur) { this.#byUser.set(username, d); continue; }
      roll(cur, now);
      if (d.day === cur.day) { cur.dailyBytes += d.dailyBytes; cur.dailyConnections += d.dailyConnections; }
      if (d.month === cur.month) { cur.monthlyBytes += d.monthlyBytes; cur.monthlyConnections += d.monthlyConnections; }
      cur.totalBytes += d.totalBytes;
      for (const [k, v] of d.hour) cur.hour.set(k, (cur.hour.get(k) ?? 0) + v);
    }
  }

  /** A reset drops what was pending in its scope, so it does not come back after the reset. */
  reset(username: string, scope: QuotaScope): void {
    const d = this.#byUser.get(username);
    if (d) resetCounters(d, scope);
  }
}
