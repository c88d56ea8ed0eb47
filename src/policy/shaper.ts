/**
 * Traffic shaping with token buckets at three levels: per connection (`max_bandwidth_kbps`), per
 * user across all their connections (`max_aggregate_bandwidth_kbps`) and server-wide
 * (`limits.max_bandwidth_mbps`). A chunk reserves its bytes in every bucket that applies and
 * waits for the slowest one; the relay pauses its source for that long, so a throttled
 * connection applies TCP backpressure instead of buffering or sleeping per chunk.
 * Because each reservation queues behind the debt already taken, concurrent connections sharing
 * a bucket get turns in proportion to what they send, not whoever loops fastest.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { EffectiveUser } from '../config/users.js';
import type { EventBus } from '../observe/events.js';
import type { TrafficMeter } from '../pipeline/types.js';
import type { QuotaLedger } from './quota.js';
import { burstFor, CappedMap, kbpsToBytesPerSec, TokenBucket } from './rate.js';

export interface ConnectionShaper {
  /** Reserve `n` bytes; milliseconds to wait before forwarding them (0 = now). Call once per chunk. */
  delayFor(n: number): number;
}

export class Shaper {
  readonly #config: () => Config;
  readonly #clock: Clock;
  #server: TokenBucket | undefined;
  readonly #users: CappedMap<string, TokenBucket>;

  constructor(deps: { config: () => Config; clock: Clock }) {
    this.#config = deps.config;
    this.#clock = deps.clock;
    this.#users = new CappedMap(() => deps.config().security.rate_limit_max_users);
  }

  /** Bytes per second allowed server-wide, or 0 for unlimited (reads the live config). */
  serverRate(): number {
    return (this.#config().limits.max_bandwidth_mbps * 1_000_000) / 8;
  }

  /** The buckets for one new connection of `user` (their limits as of this snapshot). */
  forConnection(user: EffectiveUser): ConnectionShaper {
    const now = this.#clock.monotonic();
    const connRate = kbpsToBytesPerSec(user.maxBandwidthKbps);
    const conn = connRate > 0 ? new TokenBucket(connRate, burstFor(connRate), now) : undefined;
    const userRate = kbpsToBytesPerSec(user.maxAggregateBandwidthKbps);
    const username = user.username;
    if (!conn && userRate === 0 && this.serverRate() === 0) {
      // The server cap may be turned on by a reload later; check it per chunk only if it is on now
      // or could matter, which costs one config read.
      return { delayFor: (n) => this.#serverDelay(n, this.#clock.monotonic()) };
    }
    return {
      delayFor: (n: number): number => {
        const t = this.#clock.monotonic();
        let wait = conn ? conn.reserve(n, t) : 0;
        const ub = userRate > 0 ? this.#userBucket(username, userRate, t) : undefined;
        if (ub) wait = Math.max(wait, ub.reserve(n, t));
        return Math.max(wait, this.#serverDelay(n, t));
      },
    };
  }

  #serverDelay(n: number, now: number): number {
    const rate = this.serverRate();
    if (rate === 0) {
      this.#server = undefined;
      return 0;
    }
    if (!this.#server) this.#server = new TokenBucket(rate, burstFor(rate), now);
    else if (this.#server.ratePerSec !== rate) this.#server.setRate(rate, burstFor(rate), now);
    return this.#server.reserve(n, now);
  }

  #userBucket(username: string, rate: number, now: number): TokenBucket {
    let b = this.#users.get(username);
    if (!b) {
      b = new TokenBucket(rate, burstFor(rate), now);
      this.#users.set(username, b);
    } else if (b.ratePerSec !== rate) {
      b.setRate(rate, burstFor(rate), now);
    }
    return b;
  }
}

export interface MeterDeps {
  user: EffectiveUser;
  ledger: QuotaLedger;
  events: EventBus;
  shaping: ConnectionShaper;
  /** Called once, on the first release. */
  onRelease: () => void;
}

export function createTrafficMeter(d: MeterDeps): TrafficMeter {
  return new Meter(d);
}

/** A class, not a closure bundle: one object per open tunnel instead of a context and six closures. */
class Meter implements TrafficMeter {
  readonly #d: MeterDeps;
  #held = true;
  #told = false;
  #up = 0;
  #down = 0;

  constructor(d: MeterDeps) {
    this.#d = d;
  }

  get bytesUp(): number { return this.#up; }
  get bytesDown(): number { return this.#down; }

  account(n: number, dir: 'up' | 'down'): { pass: number; exceeded?: string } {
    const { user, ledger } = this.#d;
    // Tunnels established before a reload keep the quotas of the snapshot they started with.
    const r = ledger.account(user.username, user.quotas, n);
    if (dir === 'up') this.#up += r.pass; else this.#down += r.pass;
    if (r.exceeded === undefined) return r;
    if (!this.#told) {
      this.#told = true;
      this.#d.events.emit('quota.exceeded', { username: user.username, quota: r.exceeded, used: r.used ?? 0, limit: r.limit ?? 0 });
    }
    return { pass: r.pass, exceeded: r.exceeded };
  }

  delayFor(n: number): number {
    return this.#d.shaping.delayFor(n);
  }

  release(): void {
    // Idempotent: error paths and close handlers may both release.
    if (!this.#held) return;
    this.#held = false;
    this.#d.onRelease();
  }
}
