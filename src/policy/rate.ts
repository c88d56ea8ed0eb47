/**
 * Pure counting primitives shared by admission, limits and shaping. Every method takes `now`
 * (milliseconds) from the caller, so tests drive them with a FakeClock and never sleep.
 */

/** "At most `limit` events in any `windowMs`". */
export interface RateWindow {
  readonly limit: number;
  /** Events in the window ending at `now`. */
  count(now: number): number;
  /** Would one more event at `now` stay within the limit? Does not record it. */
  wouldAllow(now: number): boolean;
  record(now: number): void;
  /** Check and record in one step; false (nothing recorded) when the event would exceed the limit. */
  tryRecord(now: number): boolean;
  /** Newest event time, or -Infinity; lets owners drop idle entries. */
  lastAt(): number;
}

/** Limits up to this are tracked exactly; larger ones in slices (see BucketedWindow). */
export const EXACT_WINDOW_MAX = 64;

/**
 * The window for `limit` events per `windowMs`: exact for small limits, sliced above
 * EXACT_WINDOW_MAX so that 100 000 tracked addresses with a limit of 1000 cost kilobytes each
 * rather than megabytes.
 */
export function createRateWindow(limit: number, windowMs: number): RateWindow {
  return limit <= EXACT_WINDOW_MAX ? new SlidingWindowLog(limit, windowMs) : new BucketedWindow(limit, windowMs);
}

/**
 * "At most `limit` events in any `windowMs`": an exact sliding log. It keeps only the last `limit`
 * timestamps (a ring), because to decide on the next event we only need to know when the oldest
 * of the last `limit` events happened. Memory is bounded by the limit, not by the traffic.
 */
export class SlidingWindowLog implements RateWindow {
  #limit: number;
  #windowMs: number;
  #ring: Float64Array;
  #head = 0;
  #size = 0;

  constructor(limit: number, windowMs: number) {
    this.#limit = Math.max(1, Math.floor(limit));
    this.#windowMs = windowMs;
    this.#ring = new Float64Array(this.#limit);
  }

  get limit(): number { return this.#limit; }

  /** Events in the window ending at `now`. */
  count(now: number): number {
    let n = 0;
    for (let i = 0; i < this.#size; i++) {
      const t = this.#ring[(this.#head + i) % this.#limit] ?? 0;
      if (now - t < this.#windowMs) n++;
    }
    return n;
  }

  /** Would one more event at `now` stay within the limit? Does not record it. */
  wouldAllow(now: number): boolean {
    if (this.#size < this.#limit) return true;
    const oldest = this.#ring[this.#head] ?? 0;
    return now - oldest >= this.#windowMs;
  }

  record(now: number): void {
    if (this.#size < this.#limit) {
      this.#ring[(this.#head + this.#size) % this.#limit] = now;
      this.#size++;
    } else {
      this.#ring[this.#head] = now;
      this.#head = (this.#head + 1) % this.#limit;
    }
  }

  /** Check and record in one step; false (nothing recorded) when the event would exceed the limit. */
  tryRecord(now: number): boolean {
    if (!this.wouldAllow(now)) return false;
    this.record(now);
    return true;
  }

  /** Newest event time, or -Infinity; lets owners drop idle entries. */
  lastAt(): number {
    if (this.#size === 0) return -Infinity;
    return this.#ring[(this.#head + this.#size - 1) % this.#limit] ?? -Infinity;
  }
}

const WINDOW_SLICES = 20;

/**
 * A sliding window counted in 20 slices: an event stops counting between 95 % and 100 % of
 * `windowMs` after it happened, so any span of 95 % of the window holds at most `limit` events
 * (a full window at most one slice's worth more). Memory is constant whatever the limit.
 */
export class BucketedWindow implements RateWindow {
  readonly limit: number;
  readonly #sliceMs: number;
  readonly #counts = new Float64Array(WINDOW_SLICES);
  readonly #ids = new Float64Array(WINDOW_SLICES).fill(-Infinity);
  #last = -Infinity;

  constructor(limit: number, windowMs: number) {
    this.limit = Math.max(1, Math.floor(limit));
    this.#sliceMs = windowMs / WINDOW_SLICES;
  }

  count(now: number): number {
    const current = Math.floor(now / this.#sliceMs);
    let n = 0;
    for (let i = 0; i < WINDOW_SLICES; i++) if ((this.#ids[i] ?? -Infinity) > current - WINDOW_SLICES) n += this.#counts[i] ?? 0;
    return n;
  }

  wouldAllow(now: number): boolean { return this.count(now) < this.limit; }

  record(now: number): void {
    const current = Math.floor(now / this.#sliceMs);
    const i = ((current % WINDOW_SLICES) + WINDOW_SLICES) % WINDOW_SLICES;
    if (this.#ids[i] !== current) { this.#ids[i] = current; this.#counts[i] = 0; }
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.#last = Math.max(this.#last, now);
  }

  tryRecord(now: number): boolean {
    if (!this.wouldAllow(now)) return false;
    this.record(now);
    return true;
  }

  lastAt(): number { return this.#last; }
}

/**
 * A sum over a rolling window, in `buckets` equal slices (the original used 60 one-minute slices
 * for the rolling hour). Resolution is one slice: an amount leaves the window between
 * `windowMs - slice` and `windowMs` after it was added.
 */
export class RollingSum {
  readonly #sliceMs: number;
  readonly #buckets: number;
  /** slice index (floor(now / sliceMs)) -> amount; at most `buckets` entries */
  #slices = new Map<number, number>();
  /** The slice the last prune ran for: within one slice nothing new can expire (per-chunk calls). */
  #prunedAt = Number.NaN;

  constructor(windowMs: number, buckets: number) {
    this.#buckets = buckets;
    this.#sliceMs = windowMs / buckets;
  }

  #prune(now: number): number {
    const current = Math.floor(now / this.#sliceMs);
    if (current === this.#prunedAt) return current;
    this.#prunedAt = current;
    for (const key of this.#slices.keys()) if (key <= current - this.#buckets) this.#slices.delete(key);
    return current;
  }

  add(now: number, amount: number): void {
    const current = this.#prune(now);
    this.#slices.set(current, (this.#slices.get(current) ?? 0) + amount);
  }

  total(now: number): number {
    this.#prune(now);
    let sum = 0;
    for (const v of this.#slices.values()) sum += v;
    return sum;
  }

  /** [sliceIndex, amount] pairs, for persistence. */
  entries(now: number): Array<[number, number]> {
    this.#prune(now);
    return [...this.#slices.entries()];
  }

  restore(entries: ReadonlyArray<readonly [number, number]>, now: number): void {
    this.#slices = new Map(entries.filter(([k, v]) => Number.isFinite(k) && Number.isFinite(v) && v > 0).map(([k, v]) => [k, v]));
    this.#prunedAt = Number.NaN;
    this.#prune(now);
  }

  clear(): void { this.#slices.clear(); }
}

/**
 * A token bucket that may go into debt. `reserve(n)` always takes the tokens and returns how long
 * the caller must wait until the balance is back to zero: the relay pauses its source for that
 * long (backpressure) instead of sleeping after every chunk, and the long-run rate is exact even
 * when chunks are larger than the burst.
 */
export class TokenBucket {
  #ratePerSec: number;
  #burst: number;
  #tokens: number;
  #at: number;

  constructor(ratePerSec: number, burst: number, now: number) {
    this.#ratePerSec = ratePerSec;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  get ratePerSec(): number { return this.#ratePerSec; }

  /** When the balance was last brought up to date (the caller's clock): idle buckets can be swept. */
  get updatedAt(): number { return this.#at; }

  /** Change the rate (config reload) keeping the current balance. */
  setRate(ratePerSec: number, burst: number, now: number): void {
    this.#refill(now);
    this.#ratePerSec = ratePerSec;
    this.#burst = burst;
    this.#tokens = Math.min(this.#tokens, burst);
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#ratePerSec) / 1000);
  }

  /** Take `n` tokens; milliseconds until the bucket is out of debt (0 = send now). */
  reserve(n: number, now: number): number {
    this.#refill(now);
    this.#tokens -= n;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.#ratePerSec);
  }

  /** Tokens available now (negative while in debt). */
  balance(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }
}

/** The burst each shaping bucket allows: 100 ms of traffic, so a paused stream resumes smoothly. */
export function burstFor(bytesPerSec: number): number {
  return Math.max(1, bytesPerSec / 10);
}

/** Kilobits per second (1000 bits) to bytes per second. */
export function kbpsToBytesPerSec(kbps: number): number {
  return (kbps * 1000) / 8;
}

/**
 * A Map with a hard size cap: when full, the oldest-inserted 10 % are dropped (the original's
 * eviction rule), so a flood of distinct source addresses cannot grow memory without bound.
 * Touching an entry with `set` moves it to the young end.
 */
export class CappedMap<K, V> {
  #map = new Map<K, V>();
  #cap: () => number;

  constructor(cap: () => number) { this.#cap = cap; }

  get size(): number { return this.#map.size; }
  get(key: K): V | undefined { return this.#map.get(key); }
  has(key: K): boolean { return this.#map.has(key); }
  delete(key: K): boolean { return this.#map.delete(key); }
  keys(): IterableIterator<K> { return this.#map.keys(); }
  entries(): IterableIterator<[K, V]> { return this.#map.entries(); }
  clear(): void { this.#map.clear(); }

  /** Insert or refresh; returns the keys evicted to make room. */
  set(key: K, value: V): K[] {
    this.#map.delete(key);
    const evicted: K[] = [];
    const cap = Math.max(1, this.#cap());
    if (this.#map.size >= cap) {
      const drop = Math.max(1, Math.ceil(cap / 10), this.#map.size - cap + 1);
      for (const k of this.#map.keys()) {
        if (evicted.length >= drop) break;
        evicted.push(k);
      }
      for (const k of evicted) this.#map.delete(k);
    }
    this.#map.set(key, value);
    return evicted;
  }
}

const DAY_MS = 86_400_000;

/** UTC calendar day number (days since the epoch). */
export function utcDay(now: number): number {
  return Math.floor(now / DAY_MS);
}

/** UTC calendar month as year * 12 + month (0-based). */
export function utcMonth(now: number): number {
  const d = new Date(now);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** Start of the next UTC day, in ms. */
export function nextUtcDayStart(now: number): number {
  return (utcDay(now) + 1) * DAY_MS;
}

/** Start of the next UTC month, in ms. */
export function nextUtcMonthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
