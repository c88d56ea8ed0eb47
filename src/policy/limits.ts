/**
 * The "limits" stage, run per tunnel after authorization and before connecting: concurrent
 * tunnels (global and per user), connection rate windows (per user and server-wide), connection
 * quotas and exhausted bandwidth quotas. On allow it returns the tunnel's TrafficMeter, which
 * accounts bytes against the quota ledger and shapes them.
 */
import { workerShare, type MachinePeers } from './machine-share.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { EffectiveUser } from '../config/users.js';
import { allow, deny, type Decision } from '../errors.js';
import type { EventBus } from '../observe/events.js';
import type { QuotaLedger } from './quota.js';
import { CappedMap, createRateWindow, type RateWindow } from './rate.js';
import type { TrafficMeter } from '../pipeline/types.js';
import { createTrafficMeter, type Shaper } from './shaper.js';

export interface LimitsDeps {
  config: () => Config;
  clock: Clock;
  events: EventBus;
  ledger: QuotaLedger;
  shaper: Shaper;
}

/**
 * What other nodes of a cluster contribute (src/cluster/): their open tunnels per user and the
 * times of their recent tunnel openings, both kept locally from their announcements.
 */
export interface LimitsPeers {
  tunnels(username: string): number;
  /** Openings of a user on other nodes in (now - ms, now]. */
  openingsWithin(username: string, now: number, ms: number): number;
  /** A tunnel opened here for a user with connection-rate limits (announced to the others). */
  opened(username: string, at: number): void;
}

interface UserRates { second?: RateWindow; minute?: RateWindow; hour?: RateWindow }

/** Reuse a window while its limit is unchanged; a reload with a new limit starts a fresh one. */
function windowFor(current: RateWindow | undefined, limit: number, ms: number): RateWindow | undefined {
  if (limit <= 0) return undefined;
  return current?.limit === limit ? current : createRateWindow(limit, ms);
}

/**
 * The "limits" stage, run per tunnel (a SOCKS5 CONNECT, an SSH direct-tcpip channel) after
 * authorization and before connecting: global and per-user concurrent tunnels, per-user
 * connection rates (per second/minute/hour; the per-minute limit is the stricter non-zero of
 * `rate_limits.connections_per_minute` and `max_new_connections_per_minute`), server-wide tunnel
 * rates, connection quotas, and bandwidth quotas already used up. A tunnel is counted towards
 * the daily/monthly connection quotas when it is admitted here (before its connect).
 */
export class Limits {
  readonly #d: LimitsDeps;
  #active = 0;
  readonly #perUser = new Map<string, number>();
  readonly #rates: CappedMap<string, UserRates>;
  #serverSecond: RateWindow | undefined;
  #serverMinute: RateWindow | undefined;
  #peers: LimitsPeers | undefined;
  #machine: MachinePeers | undefined;

  constructor(deps: LimitsDeps) {
    this.#d = deps;
    this.#rates = new CappedMap(() => deps.config().security.rate_limit_max_users);
  }

  /** Count other nodes' tunnels and openings from now on (undefined: this node alone). */
  joinCluster(peers: LimitsPeers | undefined): void { this.#peers = peers; }

  /** Count the machine's other workers in limits.max_connections and its rates (undefined: this process alone). */
  shareMachine(machine: MachinePeers | undefined): void { this.#machine = machine; }

  /** Open tunnels per user on this node (read-only view, for the cluster's announcements). */
  activeByUser(): ReadonlyMap<string, number> { return this.#perUser; }

  /** Open tunnels, overall or for one user. */
  active(username?: string): number {
    return username === undefined ? this.#active : this.#perUser.get(username) ?? 0;
  }

  acquire(user: EffectiveUser, sourceIp = ''): Decision<TrafficMeter> {
    const config = this.#d.config();
    const name = user.username;
    const max = config.limits.max_connections;
    const otherWorkers = max > 0 ? this.#machine?.tunnels() ?? 0 : 0;
    if (max > 0 && this.#active + otherWorkers >= max) {
      return deny('SKS5_DENY_CONN_LIMIT', `${name}: limits.max_connections (${max}) tunnels open${otherWorkers > 0 ? ` (${this.#active} in this worker)` : ''}`, 'server busy, try again later');
    }
    const mine = this.#perUser.get(name) ?? 0;
    if (user.maxConnections > 0) {
      const elsewhere = this.#peers?.tunnels(name) ?? 0;
      if (mine + elsewhere >= user.maxConnections) {
        const where = elsewhere > 0 ? ` (${mine} here, ${elsewhere} on other nodes)` : '';
        return deny('SKS5_DENY_CONN_LIMIT', `${name}: max_connections (${user.maxConnections}) tunnels open${where}`, 'too many open connections');
      }
    }

    const now = this.#d.clock.now();
    const r = this.#rates.get(name) ?? {};
    const rl = user.rateLimits;
    const perMinute = [rl.connections_per_minute, user.maxNewConnectionsPerMinute].filter((x) => x > 0);
    const rates: UserRates = {};
    const second = windowFor(r.second, rl.connections_per_second, 1000);
    const minute = windowFor(r.minute, perMinute.length ? Math.min(...perMinute) : 0, 60_000);
    const hour = windowFor(r.hour, rl.connections_per_hour, 3_600_000);
    if (second) rates.second = second;
    if (minute) rates.minute = minute;
    if (hour) rates.hour = hour;
    this.#rates.set(name, rates);
    this.#serverSecond = windowFor(this.#serverSecond, workerShare(config.limits.max_new_connections_per_second, this.#machine), 1000);
    this.#serverMinute = windowFor(this.#serverMinute, workerShare(config.limits.max_new_connections_per_minute, this.#machine), 60_000);
    // Per-user windows count the user's openings on every node; server-wide ones protect this node.
    const windows: Array<[RateWindow | undefined, string, boolean, number]> = [
      [second, 'rate_limits.connections_per_second', false, 1000],
      [minute, 'rate_limits.connections_per_minute', false, 60_000],
      [hour, 'rate_limits.connections_per_hour', false, 3_600_000],
      [this.#serverSecond, 'limits.max_new_connections_per_second', true, 0],
      [this.#serverMinute, 'limits.max_new_connections_per_minute', true, 0],
    ];
    for (const [log, limitName, server, ms] of windows) {
      if (log && !allowsWith(log, now, ms > 0 ? this.#peers?.openingsWithin(name, now, ms) ?? 0 : 0)) {
        this.#d.events.emit('rate_limit.exceeded', { source_ip: sourceIp, username: name, limit: limitName });
        return deny('SKS5_DENY_RATE', `${name}: ${limitName} (${log.limit}) reached`, server ? 'server busy, try again later' : 'too many new connections, slow down');
      }
    }
    const quota = this.#d.ledger.connectionDenial(user);
    if (quota) return quota;

    for (const [log] of windows) log?.record(now);
    if (second || minute || hour) this.#peers?.opened(name, now);
    this.#d.ledger.chargeConnection(name);
    this.#active++;
    this.#perUser.set(name, mine + 1);
    return allow(this.#meter(user));
  }

  /** Forget rate windows idle for an hour; the owner calls this every rate_limit_cleanup_interval. */
  sweep(): void {
    const now = this.#d.clock.now();
    for (const [name, r] of [...this.#rates.entries()]) {
      const last = Math.max(r.second?.lastAt() ?? -Infinity, r.minute?.lastAt() ?? -Infinity, r.hour?.lastAt() ?? -Infinity);
      if (now - last >= 3_600_000) this.#rates.delete(name);
    }
  }

  #meter(user: EffectiveUser): TrafficMeter {
    return createTrafficMeter({
      user,
      ledger: this.#d.ledger,
      events: this.#d.events,
      shaping: this.#d.shaper.forConnection(user),
      onRelease: () => {
        this.#active--;
        const left = (this.#perUser.get(user.username) ?? 1) - 1;
        if (left > 0) this.#perUser.set(user.username, left);
        else this.#perUser.delete(user.username);
      },
    });
  }
}

/** `log` allows one more event at `now` once `remote` events of the other nodes in its window are counted too. */
function allowsWith(log: RateWindow, now: number, remote: number): boolean {
  return remote === 0 ? log.wouldAllow(now) : log.count(now) + remote < log.limit;
}
