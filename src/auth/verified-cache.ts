/**
 * A short-lived memory of passwords that verified, so a client opening many SOCKS5 connections
 * (a browser opens dozens) pays Argon2id once per `security.auth_cache_ttl` instead of ~25 ms of
 * CPU per connection. What is kept is an HMAC of the password under a random per-process key, bound
 * to the stored hash (a changed password_hash invalidates it); failures are never cached, so
 * guessing still costs a full Argon2id verification per attempt.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';

interface Entry { mac: Buffer; hash: string; expires: number }

export class VerifiedPasswordCache {
  readonly #key = randomBytes(32);
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: () => number;
  readonly #clock: Clock;
  readonly #max: number;

  constructor(opts: { ttlSecs: () => number; clock: Clock; maxEntries?: number }) {
    this.#ttlMs = () => opts.ttlSecs() * 1000;
    this.#clock = opts.clock;
    this.#max = opts.maxEntries ?? 10_000;
  }

  /** The MAC to compare or remember; compute it before the password buffer is zeroed. */
  mac(username: string, password: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(username).update('\0').update(password).digest();
  }

  /** True when this exact password verified against this exact hash within the TTL. */
  matches(username: string, hash: string | undefined, mac: Buffer): boolean {
    if (hash === undefined || this.#ttlMs() <= 0) return false;
    const e = this.#entries.get(username);
    if (!e) return false;
    if (e.expires <= this.#clock.monotonic() || e.hash !== hash) {
      this.#entries.delete(username);
      return false;
    }
    return timingSafeEqual(e.mac, mac);
  }

  remember(username: string, hash: string, mac: Buffer): void {
    const ttl = this.#ttlMs();
    if (ttl <= 0) return;
    this.#entries.delete(username);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(username, { mac, hash, expires: this.#clock.monotonic() + ttl });
  }

  forget(username: string): void {
    this.#entries.delete(username);
  }

  get size(): number { return this.#entries.size; }
}
