/**
 * The other nodes' recent openings of one key (a user, a client IP), kept sorted so that a rate
 * check counts those inside its window with two binary searches instead of a scan: admission and
 * the limits stage ask on every connection, and a busy user on a few workers has thousands of
 * stamps in the last hour. Announcements arrive in 100 ms batches, each sorted, from several
 * nodes: appending is the common case, an out-of-order stamp is inserted in place.
 */
export class StampLog {
  readonly #max: number;
  #stamps: number[] = [];

  /** Keeps at most `max` stamps, the newest (an hourly limit above that counts at most this many). */
  constructor(max: number) {
    this.#max = max;
  }

  get size(): number { return this.#stamps.length; }

  /** Adds `at`, forgetting stamps at or before `horizon` (older than every window that reads them). */
  add(at: readonly number[], horizon: number): void {
    const s = this.#stamps;
    for (const t of at) {
      if (t <= horizon) continue;
      if (s.length === 0 || t >= s[s.length - 1]!) s.push(t);
      else s.splice(upperBound(s, t), 0, t);
    }
    const old = upperBound(s, horizon);
    const over = s.length - old - this.#max;
    const drop = old + Math.max(0, over);
    if (drop > 0) this.#stamps = s.slice(drop);
  }

  /** Stamps in (from, to]: inside a window ending now, ignoring stamps ahead of our clock. */
  countIn(from: number, to: number): number {
    return to <= from ? 0 : upperBound(this.#stamps, to) - upperBound(this.#stamps, from);
  }

  /** The newest stamp, or -Infinity. */
  last(): number {
    return this.#stamps.length ? this.#stamps[this.#stamps.length - 1]! : -Infinity;
  }

  /** For tests and diagnostics: the stamps, oldest first. */
  toArray(): number[] {
    return [...this.#stamps];
  }
}

/** Index of the first element greater than `t` in the sorted `s`. */
function upperBound(s: readonly number[], t: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
