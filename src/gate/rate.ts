/**
 * Flood limits in front of the fingerprint store: a per-source token bucket (bounds how fast one
 * source can add randomised-KEXINIT rows) and a global concurrency cap. Time comes from a Clock.
 */
import type { Clock } from '../clock.js';
import { formatIp, parseCanonicalIp, rangeOf } from '../policy/ip-address.js';
import { TokenBucket } from '../policy/rate.js';

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

export class SourceRateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
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
      b = new TokenBucket(this.#opts.rate, this.#opts.burst, now);
      this.#buckets.set(key, b);
    }
    if (b.balance(now) < 1) return false;
    b.reserve(1, now);
    return true;
  }

  /** Drops idle buckets; the gate calls it every 60 s. */
  sweep(): void {
    const cutoff = this.#clock.monotonic() - this.#opts.idleMs;
    for (const [k, b] of this.#buckets) if (b.updatedAt < cutoff) this.#buckets.delete(k);
  }
}

/** IPv4 as is (also IPv4-mapped); IPv6 masked to its /64 (one customer prefix = one budget); anything else verbatim. */
export function rateLimitKey(ip: string): string {
  // A zone (fe80::1%eth0) names the local interface, not the source.
  const parsed = parseCanonicalIp(ip.split('%')[0] ?? ip);
  if (parsed === undefined) return ip;
  if (parsed.family === 4) return formatIp(parsed);
  return formatIp({ family: 6, value: rangeOf(parsed, 64).first });
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
