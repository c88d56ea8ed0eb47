/**
 * DNS cache with the original's `dns_cache_ttl` semantics: -1 = the platform resolver's answer kept
 * for 60 s (getaddrinfo exposes no TTL), 0 = no cache, N = N seconds; bounded by
 * `dns_cache_max_entries` (expired entries first, then the least recently used).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { Clock } from '../clock.js';

export type Lookup = (host: string) => Promise<string[]>;

export const systemLookup: Lookup = async (host) => {
  const res = await dnsLookup(host, { all: true, verbatim: true });
  return res.map((r) => r.address);
};

interface Entry { addresses: string[]; expires: number }

export class DnsCache {
  #entries = new Map<string, Entry>();
  #inflight = new Map<string, Promise<string[]>>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #clock: Clock;
  readonly #lookup: Lookup;
  hits = 0;
  misses = 0;

  constructor(opts: { ttl: number; maxEntries: number; clock: Clock; lookup?: Lookup }) {
    this.#ttlMs = opts.ttl < 0 ? 60_000 : opts.ttl * 1000;
    this.#max = opts.maxEntries;
    this.#clock = opts.clock;
    this.#lookup = opts.lookup ?? systemLookup;
  }

  async resolve(host: string): Promise<string[]> {
    const key = host.toLowerCase();
    const now = this.#clock.monotonic();
    const hit = this.#entries.get(key);
    if (hit && hit.expires > now) {
      this.hits += 1;
      // Map order is insertion order: re-inserting marks the entry most recently used.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.addresses;
    }
    this.misses += 1;
    // Concurrent requests for one name share a single query.
    let p = this.#inflight.get(key);
    if (!p) {
      p = this.#lookup(host).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    const addresses = await p;
    if (this.#ttlMs > 0 && this.#max > 0 && addresses.length > 0) this.#store(key, addresses, now);
    return addresses;
  }

  #store(key: string, addresses: string[], now: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) {
      for (const [k, e] of this.#entries) if (e.expires <= now) this.#entries.delete(k);
      while (this.#entries.size >= this.#max) {
        const oldest = this.#entries.keys().next().value;
        if (oldest === undefined) break;
        this.#entries.delete(oldest);
      }
    }
    this.#entries.set(key, { addresses, expires: now + this.#ttlMs });
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
