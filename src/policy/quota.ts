/**
 * Per-user usage accounting: daily and monthly bytes and connections (UTC calendar; counters
 * reset lazily on the first use after a boundary), bytes in the rolling last hour, lifetime
 * bytes. Bytes are counted in both directions. The ledger only decides and counts; the store
 * (src/store/quotas.ts) is told which users changed and writes them in batches.
 */
import type { Clock } from '../clock.js';
import type { QuotasConfig } from '../config/schema.js';
import type { EffectiveUser } from '../config/users.js';
import { deny, type Denial } from '../errors.js';
import type { EventBus } from '../observe/events.js';
import { nextUtcDayStart, nextUtcMonthStart, RollingSum, utcDay, utcMonth } from './rate.js';
import { QuotaDeltas, resetCounters } from './quota-deltas.js';
import type { ClusterUsage, QuotaPersistence, QuotaReplica, QuotaScope, QuotaUsage, QuotaBackupEntry, UsageRecord } from './quota-types.js';

export type { ClusterUsage, QuotaPersistence, QuotaReplica, QuotaScope, QuotaUsage, QuotaBackupEntry, UsageRecord };


export type BandwidthQuota = 'daily_bandwidth_bytes' | 'monthly_bandwidth_bytes' | 'bandwidth_per_hour_bytes' | 'total_bandwidth_bytes';
export type ConnectionQuota = 'daily_connection_limit' | 'monthly_connection_limit';

const CLIENT_TEXT: Record<BandwidthQuota | ConnectionQuota, string> = {
  daily_bandwidth_bytes: 'daily bandwidth quota exceeded',
  monthly_bandwidth_bytes: 'monthly bandwidth quota exceeded',
  bandwidth_per_hour_bytes: 'hourly bandwidth quota exceeded',
  total_bandwidth_bytes: 'total bandwidth quota exceeded',
  daily_connection_limit: 'daily connection quota exceeded',
  monthly_connection_limit: 'monthly connection quota exceeded',
};

/** The short text shown to the user when `quota` stops them. */
export function quotaClientMessage(quota: string): string {
  return CLIENT_TEXT[quota as BandwidthQuota] ?? 'quota exceeded';
}

const HOUR_MS = 3_600_000;
/** 60 one-minute slices, as in the original: the hourly figure has one-minute resolution. */
const HOUR_SLICES = 60;

const RATE_WINDOW_MS = 5000;

class Usage {
  day = 0;
  dailyBytes = 0;
  dailyConnections = 0;
  month = 0;
  monthlyBytes = 0;
  monthlyConnections = 0;
  totalBytes = 0;
  readonly hour = new RollingSum(HOUR_MS, HOUR_SLICES);
  /** Bytes in the last few seconds, for the live rate; not persisted. */
  readonly recent = new RollingSum(RATE_WINDOW_MS, 5);

  /** Start a new day or month when the calendar moved since the last use. */
  roll(now: number): void {
    const day = utcDay(now);
    if (day === this.day) return; // the month only changes with the day: no Date per chunk
    this.day = day; this.dailyBytes = 0; this.dailyConnections = 0;
    const month = utcMonth(now);
    if (month !== this.month) { this.month = month; this.monthlyBytes = 0; this.monthlyConnections = 0; }
  }
}

export interface QuotaLedgerDeps {
  clock: Clock;
  events: EventBus;
  persist?: QuotaPersistence;
  initial?: readonly UsageRecord[];
}

export class QuotaLedger {
  readonly #clock: Clock;
  readonly #events: EventBus;
  readonly #persist: QuotaPersistence | undefined;
  // Keyed by usernames that authenticated (configured users) or that a restore named (bounded by the
  // restore body's schema), so the map never grows with what an unauthenticated client sends.
  readonly #users = new Map<string, Usage>();
  /** Set while in a cluster: usage counted here and not yet in the cluster's totals. */
  #deltas: QuotaDeltas | undefined;
  #replica: QuotaReplica | undefined;

  constructor(deps: QuotaLedgerDeps) {
    this.#clock = deps.clock;
    this.#events = deps.events;
    this.#persist = deps.persist;
    const now = this.#clock.now();
    for (const r of deps.initial ?? []) {
      const u = new Usage();
      Object.assign(u, { day: r.day, dailyBytes: r.dailyBytes, dailyConnections: r.dailyConnections, month: r.month, monthlyBytes: r.monthlyBytes, monthlyConnections: r.monthlyConnections, totalBytes: r.totalBytes });
      u.hour.restore(r.hourBuckets, now);
      this.#users.set(r.username, u);
    }
  }

  #get(username: string, now: number): Usage {
    let u = this.#users.get(username);
    if (!u) {
      u = new Usage();
      this.#users.set(username, u);
    }
    u.roll(now);
    return u;
  }

  /**
   * Why a new connection must be refused: a connection quota used up, or a bandwidth quota with
   * no byte left. Emits `quota.exceeded`. Undefined when the connection may go ahead.
   */
  connectionDenial(user: EffectiveUser): Denial | undefined {
    const q = user.quotas;
    const now = this.#clock.now();
    const u = this.#get(user.username, now);
    const checks: Array<[BandwidthQuota | ConnectionQuota, number, number]> = [
      ['daily_connection_limit', q.daily_connection_limit, u.dailyConnections],
      ['monthly_connection_limit', q.monthly_connection_limit, u.monthlyConnections],
      ['total_bandwidth_bytes', q.total_bandwidth_bytes, u.totalBytes],
      ['monthly_bandwidth_bytes', q.monthly_bandwidth_bytes, u.monthlyBytes],
      ['daily_bandwidth_bytes', q.daily_bandwidth_bytes, u.dailyBytes],
      ['bandwidth_per_hour_bytes', q.bandwidth_per_hour_bytes, q.bandwidth_per_hour_bytes > 0 ? u.hour.total(now) : 0],
    ];
    for (const [name, limit, used] of checks) {
      if (limit > 0 && used >= limit) {
        this.#events.emit('quota.exceeded', { username: user.username, quota: name, used, limit });
        return deny('SKS5_DENY_QUOTA', `${user.username}: quotas.${name} reached (${used}/${limit})`, quotaClientMessage(name));
      }
    }
    return undefined;
  }

  /** Count one connection towards the daily and monthly connection quotas. */
  chargeConnection(username: string): void {
    const u = this.#get(username, this.#clock.now());
    u.dailyConnections++;
    u.monthlyConnections++;
    this.#deltas?.add(username, this.#clock.now(), 0, 1);
    this.#persist?.dirty(username);
  }

  /**
   * Account `n` bytes. Returns how many may be forwarded: all of them, or only the bytes left
   * under the most binding bandwidth quota (which is then named in `exceeded`). Only the passed
   * bytes are counted, so usage stops exactly at the limit.
   */
  account(username: string, quotas: QuotasConfig, n: number): { pass: number; exceeded?: BandwidthQuota; used?: number; limit?: number } {
    const now = this.#clock.now();
    const u = this.#get(username, now);
    let pass = n;
    let exceeded: { name: BandwidthQuota; used: number; limit: number } | undefined;
    // Longest-lasting first, so on a tie the user is told about the quota that binds longest.
    const consider = (name: BandwidthQuota, limit: number, used: number): void => {
      if (limit <= 0) return;
      const room = Math.max(0, limit - used);
      if (room < pass) { pass = room; exceeded = { name, used, limit }; }
    };
    consider('total_bandwidth_bytes', quotas.total_bandwidth_bytes, u.totalBytes);
    consider('monthly_bandwidth_bytes', quotas.monthly_bandwidth_bytes, u.monthlyBytes);
    consider('daily_bandwidth_bytes', quotas.daily_bandwidth_bytes, u.dailyBytes);
    if (quotas.bandwidth_per_hour_bytes > 0) consider('bandwidth_per_hour_bytes', quotas.bandwidth_per_hour_bytes, u.hour.total(now));
    if (pass > 0) {
      u.dailyBytes += pass;
      u.monthlyBytes += pass;
      u.totalBytes += pass;
      u.hour.add(now, pass);
      u.recent.add(now, pass);
      this.#deltas?.add(username, now, pass, 0);
      this.#persist?.dirty(username);
    }
    if (!exceeded) return { pass };
    const x: { name: BandwidthQuota; used: number; limit: number } = exceeded;
    return { pass, exceeded: x.name, used: x.used + pass, limit: x.limit };
  }

  /** Usage and limits (limits are 0 when `quotas` is not given or unlimited). */
  usage(username: string, quotas?: QuotasConfig): QuotaUsage {
    const now = this.#clock.now();
    const u = this.#users.get(username);
    u?.roll(now);
    return {
      username,
      daily_bytes: u?.dailyBytes ?? 0,
      daily_connections: u?.dailyConnections ?? 0,
      monthly_bytes: u?.monthlyBytes ?? 0,
      monthly_connections: u?.monthlyConnections ?? 0,
      current_rate_bps: Math.round((u?.recent.total(now) ?? 0) / (RATE_WINDOW_MS / 1000)),
      hourly_bytes: u?.hour.total(now) ?? 0,
      total_bytes: u?.totalBytes ?? 0,
      daily_bytes_limit: quotas?.daily_bandwidth_bytes ?? 0,
      monthly_bytes_limit: quotas?.monthly_bandwidth_bytes ?? 0,
      hourly_bytes_limit: quotas?.bandwidth_per_hour_bytes ?? 0,
      total_bytes_limit: quotas?.total_bandwidth_bytes ?? 0,
      daily_connections_limit: quotas?.daily_connection_limit ?? 0,
      monthly_connections_limit: quotas?.monthly_connection_limit ?? 0,
      daily_resets_at: new Date(nextUtcDayStart(now)).toISOString(),
      monthly_resets_at: new Date(nextUtcMonthStart(now)).toISOString(),
    };
  }

  /** Counters for `GET /api/backup`, keyed by username. */
  backup(): Record<string, Required<QuotaBackupEntry>> {
    const now = this.#clock.now();
    const out: Record<string, Required<QuotaBackupEntry>> = {};
    for (const [name, u] of this.#users) {
      u.roll(now);
      out[name] = { daily_bytes: u.dailyBytes, daily_connections: u.dailyConnections, monthly_bytes: u.monthlyBytes, monthly_connections: u.monthlyConnections, total_bytes: u.totalBytes };
    }
    return out;
  }

  /** `POST /api/restore`: the counters replace the current day's and month's. Returns how many users. */
  restore(entries: Readonly<Record<string, QuotaBackupEntry>>): number {
    const now = this.#clock.now();
    const clean = (v: number | undefined): number => (v !== undefined && Number.isSafeInteger(v) && v > 0 ? v : 0);
    let n = 0;
    for (const [name, e] of Object.entries(entries)) {
      const u = this.#get(name, now);
      u.dailyBytes = clean(e.daily_bytes);
      u.dailyConnections = clean(e.daily_connections);
      u.monthlyBytes = clean(e.monthly_bytes);
      u.monthlyConnections = clean(e.monthly_connections);
      u.totalBytes = clean(e.total_bytes);
      this.#persist?.dirty(name);
      n++;
    }
    return n;
  }

  /**
   * Join a cluster: from now on usage counted here is also kept as deltas for the cluster sync,
   * and admin resets are told to `replica`. Returns the deltas (the sync takes them in batches).
   */
  joinCluster(replica: QuotaReplica | undefined): QuotaDeltas | undefined {
    this.#replica = replica;
    this.#deltas = replica ? new QuotaDeltas() : undefined;
    return this.#deltas;
  }

  /**
   * The cluster's totals for `username` arrived (Redis after a flush, or another node's message):
   * this node shows them plus what it counted since and has not sent yet.
   */
  applyClusterUsage(username: string, c: ClusterUsage): void {
    const now = this.#clock.now();
    const u = this.#get(username, now);
    const p = this.#deltas?.pending(username, now);
    if (c.day === u.day) { u.dailyBytes = c.dailyBytes + (p?.dailyBytes ?? 0); u.dailyConnections = c.dailyConnections + (p?.dailyConnections ?? 0); }
    if (c.month === u.month) { u.monthlyBytes = c.monthlyBytes + (p?.monthlyBytes ?? 0); u.monthlyConnections = c.monthlyConnections + (p?.monthlyConnections ?? 0); }
    u.totalBytes = c.totalBytes + (p?.totalBytes ?? 0);
    const hour = new Map(c.hour);
    for (const [k, v] of p?.hour ?? []) hour.set(k, (hour.get(k) ?? 0) + v);
    u.hour.restore([...hour], now);
    this.#persist?.dirty(username);
  }

  /** What this node last knew of the cluster's totals (its counters less what it has not sent). */
  clusterBase(username: string): ClusterUsage | undefined {
    const now = this.#clock.now();
    const u = this.#users.get(username);
    if (!u) return undefined;
    u.roll(now);
    const p = this.#deltas?.pending(username, now);
    const hour = new Map(u.hour.entries(now));
    for (const [k, v] of p?.hour ?? []) hour.set(k, Math.max(0, (hour.get(k) ?? 0) - v));
    return {
      day: u.day, month: u.month,
      dailyBytes: Math.max(0, u.dailyBytes - (p?.dailyBytes ?? 0)), dailyConnections: Math.max(0, u.dailyConnections - (p?.dailyConnections ?? 0)),
      monthlyBytes: Math.max(0, u.monthlyBytes - (p?.monthlyBytes ?? 0)), monthlyConnections: Math.max(0, u.monthlyConnections - (p?.monthlyConnections ?? 0)),
      totalBytes: Math.max(0, u.totalBytes - (p?.totalBytes ?? 0)),
      hour: [...hour].filter(([, v]) => v > 0),
    };
  }

  /** A reset made on another node (no echo). */
  applyRemoteReset(username: string, scope: QuotaScope): void {
    this.#reset(username, scope, false);
  }

  /** Admin reset (API). `total` clears the lifetime counter too; `all` clears every counter. */
  reset(username: string, scope: QuotaScope = 'all'): void {
    this.#reset(username, scope, true);
  }

  #reset(username: string, scope: QuotaScope, local: boolean): void {
    this.#deltas?.reset(username, scope);
    if (local) this.#replica?.reset(username, scope);
    const u = this.#users.get(username);
    if (!u) return;
    resetCounters(u, scope);
    this.#persist?.dirty(username);
  }

  /** Users with counters (API listing). */
  usernames(): string[] { return [...this.#users.keys()]; }

  /** Whether `username` has counters (it connected, or a restore brought its counters in). */
  has(username: string): boolean { return this.#users.has(username); }

  /** The stored form of one user's counters; undefined when unknown. */
  record(username: string): UsageRecord | undefined {
    const u = this.#users.get(username);
    if (!u) return undefined;
    const now = this.#clock.now();
    return {
      username, day: u.day, dailyBytes: u.dailyBytes, dailyConnections: u.dailyConnections,
      month: u.month, monthlyBytes: u.monthlyBytes, monthlyConnections: u.monthlyConnections,
      totalBytes: u.totalBytes, hourBuckets: u.hour.entries(now), updatedAt: now,
    };
  }
}
