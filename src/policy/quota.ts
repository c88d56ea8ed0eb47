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
import type { TrafficMeter } from './shaper.js';

export type { TrafficMeter };

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

/** One user's counters as stored. `day` and `month` say which calendar period the counters are for. */
export interface UsageRecord {
  username: string;
  day: number;
  dailyBytes: number;
  dailyConnections: number;
  month: number;
  monthlyBytes: number;
  monthlyConnections: number;
  totalBytes: number;
  /** [minute index since the epoch, bytes] */
  hourBuckets: Array<[number, number]>;
  updatedAt: number;
}

/** The store learns which users changed; it pulls `record(username)` when it flushes. */
export interface QuotaPersistence { dirty(username: string): void }

/**
 * One user's usage, in the REST API's wire shape (GET /api/quotas). `current_rate_bps` is bytes
 * per second over the last RATE_WINDOW_MS, as the original reported it.
 */
export interface QuotaUsage {
  username: string;
  daily_bytes: number;
  daily_connections: number;
  monthly_bytes: number;
  monthly_connections: number;
  current_rate_bps: number;
  hourly_bytes: number;
  total_bytes: number;
  daily_bytes_limit: number;
  monthly_bytes_limit: number;
  hourly_bytes_limit: number;
  total_bytes_limit: number;
  daily_connections_limit: number;
  monthly_connections_limit: number;
  /** RFC 3339 start of the next UTC day / month, when the daily / monthly counters reset. */
  daily_resets_at: string;
  monthly_resets_at: string;
}

/** The counters carried by `GET /api/backup` and `POST /api/restore` (the original's state.json). */
export interface QuotaBackupEntry {
  daily_bytes?: number;
  daily_connections?: number;
  monthly_bytes?: number;
  monthly_connections?: number;
  total_bytes?: number;
}

const RATE_WINDOW_MS = 5000;

export type QuotaScope = 'all' | 'daily' | 'monthly' | 'hourly' | 'total';

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

  /** Admin reset (API). `total` clears the lifetime counter too; `all` clears every counter. */
  reset(username: string, scope: QuotaScope = 'all'): void {
    const u = this.#users.get(username);
    if (!u) return;
    if (scope === 'all' || scope === 'daily') { u.dailyBytes = 0; u.dailyConnections = 0; }
    if (scope === 'all' || scope === 'monthly') { u.monthlyBytes = 0; u.monthlyConnections = 0; }
    if (scope === 'all' || scope === 'hourly') u.hour.clear();
    if (scope === 'all' || scope === 'total') u.totalBytes = 0;
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
