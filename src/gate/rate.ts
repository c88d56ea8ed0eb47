/**
 * Flood limits in front of the fingerprint store: a per-source token bucket (bounds how fast one
 * source can add randomised-KEXINIT rows) and a global concurrency cap. Time comes from a Clock.
 */
import { isIP } from 'node:net';
import type { Clock } from '../clock.js';
import { unmapIpv4Text } from '../policy/ip-address.js';

export interface RateLimitOptions {
  /** Tokens per second. */
  readonly rate: number;
  readonly burst: number;
  /** Buckets idle longer than this are dropped by `sweep`. */
  readonly idleMs: number;
  /** Table bound; when full, new keys are allowed untracked (the concurrency cap still applies). */
  readonly maxBuckets: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { rate: 1, burst: 120, idleMs: 5 * 60_000, maxBuckets: 1 << 20 };

interface Bucket { tokens: number; last: number }

export class SourceRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #clock: Clock;
  readonly #opts: RateLimitOptions;

  constructor(clock: Clock, opts: RateLimitOptions = DEFAULT_RATE_LIMIT) {
    this.#clock = clock;
    this.#opts = opts;
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for the source's key; false when the source is over budget. */
  allow(ip: string): boolean {
    const key = rateLimitKey(ip);
    const now = this.#clock.monotonic();
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= this.#opts.maxBuckets) return true;
      b = { tokens: this.#opts.burst, last: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#opts.burst, b.tokens + ((now - b.last) / 1000) * this.#opts.rate);
      b.last = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Drops idle buckets; the gate calls it every 60 s. */
  sweep(): void {
    const cutoff = this.#clock.monotonic() - this.#opts.idleMs;
    for (const [k, b] of this.#buckets) if (b.last < cutoff) this.#buckets.delete(k);
  }
}

/** IPv4 as is; IPv6 masked to its /64 (one customer prefix = one budget); anything else verbatim. */
export function rateLimitKey(ip: string): string {
  const n = unmapIpv4Text(ip);
  if (isIP(n) !== 6) return n;
  const groups = expandIpv6(n);
  if (groups === null) return n;
  return compressIpv6([...groups.slice(0, 4), 0, 0, 0, 0]);
}

function expandIpv6(ip: string): number[] | null {
  let text = ip.split('%')[0] ?? ip;
  // Trailing dotted quad (e.g. ::1.2.3.4) becomes two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  if (fill < 0) return null;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** RFC 5952 text (what Go's net.IP.String prints): longest run of two or more zero groups as `::`. */
export function compressIpv6(groups: number[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export interface Slot { release(): void }

/** Non-blocking global cap: `tryAcquire` returns a slot to release, or null when full. */
export class ConcurrencyLimit {
  #active = 0;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get active(): number {
    return this.#active;
  }

  tryAcquire(): Slot | null {
    if (this.#active >= this.max) return null;
    this.#active++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#active--;
      },
    };
  }
}
