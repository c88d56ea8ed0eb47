/**
 * Auto-ban, fail2ban style: `ban_threshold` auth failures from one source within `ban_window`
 * seconds ban it for `ban_duration` seconds. The state lives here, in memory; a persistence port
 * (src/store/bans.ts) is told about every change and writes it in batches.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../observe/events.js';
import { canonicalIp, compileIpList, formatIp, parseCanonicalIp, type IpList } from './ip-address.js';
import { CappedMap } from './rate.js';

export interface BanRecord { ip: string; expiresAt: number; reason: string }
export interface FailureRecord { ip: string; timestamps: number[] }
export interface BanSnapshot { bans: BanRecord[]; failures: FailureRecord[] }

/** Where ban changes go to survive a restart. Implementations buffer; none of these may throw. */
export interface BanPersistence {
  saveBan(ban: BanRecord): void;
  deleteBan(ip: string): void;
  /** An empty list deletes the row. */
  saveFailures(ip: string, timestamps: readonly number[]): void;
}

/**
 * Where changes made on this node go to reach other nodes (src/cluster/). Called only for changes
 * that start here, never for ones applied from another node, so nothing echoes. None may throw.
 */
export interface BanReplica {
  banned(ban: BanRecord): void;
  unbanned(ip: string): void;
  failed(ip: string, at: number): void;
}

export type BanCheck = { banned: false } | { banned: true; remainingSecs: number; reason: string };
export type BanResult = { ok: true; ip: string; expiresAt: number } | { ok: false; error: string };

/** Longest ban the API may set: a year. Longer values are almost always a unit mistake. */
export const MAX_MANUAL_BAN_SECS = 365 * 86_400;

export interface BanListDeps {
  config: () => Config;
  clock: Clock;
  events: EventBus;
  persist?: BanPersistence;
  initial?: BanSnapshot;
}

export class BanList {
  readonly #config: () => Config;
  readonly #clock: Clock;
  readonly #events: EventBus;
  readonly #persist: BanPersistence | undefined;
  readonly #bans: CappedMap<string, { expiresAt: number; reason: string }>;
  readonly #failures: CappedMap<string, number[]>;
  #whitelistSource: readonly string[] | undefined;
  #whitelist: IpList = compileIpList([]);
  #replica: BanReplica | undefined;

  constructor(deps: BanListDeps) {
    this.#config = deps.config;
    this.#clock = deps.clock;
    this.#events = deps.events;
    this.#persist = deps.persist;
    const cap = (): number => this.#config().security.rate_limit_max_ips;
    this.#bans = new CappedMap(cap);
    this.#failures = new CappedMap(cap);
    const now = this.#clock.now();
    for (const b of deps.initial?.bans ?? []) {
      if (b.expiresAt > now) this.#bans.set(canonicalIp(b.ip), { expiresAt: b.expiresAt, reason: b.reason });
    }
    for (const f of deps.initial?.failures ?? []) this.#failures.set(canonicalIp(f.ip), [...f.timestamps]);
  }

  /** Send this node's own changes to `replica` from now on (the cluster is wired after the state). */
  replicateTo(replica: BanReplica | undefined): void { this.#replica = replica; }

  isWhitelisted(ip: string): boolean {
    const list = this.#config().security.ban_whitelist;
    if (list !== this.#whitelistSource) {
      this.#whitelist = compileIpList(list, 'security.ban_whitelist');
      this.#whitelistSource = list;
    }
    return this.#whitelist.contains(ip);
  }

  /** Is `ip` banned now? An expired ban is removed here (and `ban.expired` emitted). */
  check(ipText: string): BanCheck {
    const ip = canonicalIp(ipText);
    const ban = this.#bans.get(ip);
    if (!ban) return { banned: false };
    const now = this.#clock.now();
    if (ban.expiresAt <= now) {
      this.#expire(ip);
      return { banned: false };
    }
    return { banned: true, remainingSecs: Math.ceil((ban.expiresAt - now) / 1000), reason: ban.reason };
  }

  /** Count one auth failure. Returns true when it triggered a ban. */
  recordFailure(ipText: string, reason = 'authentication failures'): boolean {
    const sec = this.#config().security;
    const ip = canonicalIp(ipText);
    if (!sec.ban_enabled || this.isWhitelisted(ip) || this.check(ip).banned) return false;
    const now = this.#clock.now();
    const windowMs = sec.ban_window * 1000;
    const recent = (this.#failures.get(ip) ?? []).filter((t) => now - t < windowMs);
    recent.push(now);
    // Only the newest `ban_threshold` stamps can ever matter.
    while (recent.length > sec.ban_threshold) recent.shift();
    this.#replica?.failed(ip, now);
    if (recent.length >= sec.ban_threshold) {
      this.#failures.delete(ip);
      this.#persist?.saveFailures(ip, []);
      this.#put(ip, now + sec.ban_duration * 1000, `${recent.length} ${reason} within ${sec.ban_window}s`);
      return true;
    }
    for (const evicted of this.#failures.set(ip, recent)) this.#persist?.saveFailures(evicted, []);
    this.#persist?.saveFailures(ip, recent);
    return false;
  }

  /** Failures currently counted against `ip` (for the API and tests). */
  failures(ipText: string): number {
    const ip = canonicalIp(ipText);
    const windowMs = this.#config().security.ban_window * 1000;
    const now = this.#clock.now();
    return (this.#failures.get(ip) ?? []).filter((t) => now - t < windowMs).length;
  }

  /**
   * Manual ban from the management plane (API, shell admin, restore). Emits `ban.created`.
   * `by` mirrors `unban`; the ban.created payload has no field for it, so callers audit it.
   */
  ban(ipText: string, durationSecs: number, reason = 'manual', _by = 'api'): BanResult {
    const parsed = parseCanonicalIp(ipText);
    if (parsed === undefined) return { ok: false, error: `"${ipText}" is not an IP address` };
    if (!Number.isInteger(durationSecs) || durationSecs < 1 || durationSecs > MAX_MANUAL_BAN_SECS) {
      return { ok: false, error: `duration must be a whole number of seconds in 1..${MAX_MANUAL_BAN_SECS}` };
    }
    const ip = formatIp(parsed);
    const expiresAt = this.#clock.now() + durationSecs * 1000;
    this.#put(ip, expiresAt, reason);
    return { ok: true, ip, expiresAt };
  }

  /** Lift a ban (and forget its failures). Returns false when `ip` was not banned. */
  unban(ipText: string, by = 'api'): boolean {
    const ip = canonicalIp(ipText);
    const had = this.check(ip).banned;
    this.#bans.delete(ip);
    this.#failures.delete(ip);
    this.#persist?.deleteBan(ip);
    this.#persist?.saveFailures(ip, []);
    this.#replica?.unbanned(ip);
    if (had) this.#events.emit('ban.removed', { ip, by });
    return had;
  }

  /** A ban another node made (no event: that node emitted it; no echo to the replica). */
  applyRemoteBan(ban: BanRecord): void {
    const ip = canonicalIp(ban.ip);
    if (ban.expiresAt <= this.#clock.now()) return;
    for (const evicted of this.#bans.set(ip, { expiresAt: ban.expiresAt, reason: ban.reason })) this.#persist?.deleteBan(evicted);
    this.#persist?.saveBan({ ip, expiresAt: ban.expiresAt, reason: ban.reason });
    this.#failures.delete(ip);
    this.#persist?.saveFailures(ip, []);
  }

  /** An unban another node made. */
  applyRemoteUnban(ipText: string): void {
    const ip = canonicalIp(ipText);
    this.#bans.delete(ip);
    this.#failures.delete(ip);
    this.#persist?.deleteBan(ip);
    this.#persist?.saveFailures(ip, []);
  }

  /**
   * Failures other nodes counted against `ip`, merged into this node's window (same instants are
   * one failure). With `trigger` (merging after an outage, when no node saw the whole window) a
   * merged window at the threshold bans here. A live update bans only when the window's newest
   * failure is this node's: the node that counted the last failure bans, whether it knew the
   * others' failures then or learns them a flush later, and the others do not (one ban, one event).
   */
  mergeFailures(ipText: string, stamps: readonly number[], trigger: boolean): boolean {
    const sec = this.#config().security;
    const ip = canonicalIp(ipText);
    if (!sec.ban_enabled || this.isWhitelisted(ip) || this.check(ip).banned) return false;
    const now = this.#clock.now();
    const windowMs = sec.ban_window * 1000;
    const merged = [...new Set([...(this.#failures.get(ip) ?? []), ...stamps])]
      .filter((t) => now - t < windowMs && t <= now + windowMs)
      .sort((a, b) => a - b)
      .slice(-sec.ban_threshold);
    if (merged.length === 0) return false;
    // Live messages ban too when the newest failure of the window is not in them (it was counted
    // here, before the others arrived): failures on two nodes within one flush would otherwise
    // reach the threshold on both windows with neither node banning.
    const newest = merged[merged.length - 1]!;
    if (merged.length >= sec.ban_threshold && (trigger || !stamps.includes(newest))) {
      this.#failures.delete(ip);
      this.#persist?.saveFailures(ip, []);
      this.#put(ip, now + sec.ban_duration * 1000, `${merged.length} authentication failures within ${sec.ban_window}s (counted across nodes)`);
      return true;
    }
    for (const evicted of this.#failures.set(ip, merged)) this.#persist?.saveFailures(evicted, []);
    this.#persist?.saveFailures(ip, merged);
    return false;
  }

  /** Failure instants counted against `ip` within the window (for replication). */
  failureStamps(ipText: string): number[] {
    const ip = canonicalIp(ipText);
    const windowMs = this.#config().security.ban_window * 1000;
    const now = this.#clock.now();
    return (this.#failures.get(ip) ?? []).filter((t) => now - t < windowMs);
  }

  /** Active bans, soonest expiry first. */
  list(): Array<{ ip: string; remaining_secs: number; reason: string }> {
    this.sweep();
    const now = this.#clock.now();
    return [...this.#bans.entries()]
      .map(([ip, b]) => ({ ip, remaining_secs: Math.ceil((b.expiresAt - now) / 1000), reason: b.reason, at: b.expiresAt }))
      .sort((a, b) => a.at - b.at)
      .map(({ ip, remaining_secs, reason }) => ({ ip, remaining_secs, reason }));
  }

  get size(): number { return this.#bans.size; }

  /** Expire bans and forget stale failure windows; the owner calls this every few seconds. */
  sweep(): void {
    const now = this.#clock.now();
    for (const [ip, b] of [...this.#bans.entries()]) if (b.expiresAt <= now) this.#expire(ip);
    const windowMs = this.#config().security.ban_window * 1000;
    for (const [ip, stamps] of [...this.#failures.entries()]) {
      if (stamps.every((t) => now - t >= windowMs)) {
        this.#failures.delete(ip);
        this.#persist?.saveFailures(ip, []);
      }
    }
  }

  snapshot(): BanSnapshot {
    return {
      bans: [...this.#bans.entries()].map(([ip, b]) => ({ ip, expiresAt: b.expiresAt, reason: b.reason })),
      failures: [...this.#failures.entries()].map(([ip, timestamps]) => ({ ip, timestamps: [...timestamps] })),
    };
  }

  #put(ip: string, expiresAt: number, reason: string): void {
    for (const evicted of this.#bans.set(ip, { expiresAt, reason })) this.#persist?.deleteBan(evicted);
    this.#persist?.saveBan({ ip, expiresAt, reason });
    this.#replica?.banned({ ip, expiresAt, reason });
    const durationSecs = Math.round((expiresAt - this.#clock.now()) / 1000);
    this.#events.emit('ban.created', { ip, duration_secs: durationSecs, reason });
  }

  #expire(ip: string): void {
    this.#bans.delete(ip);
    this.#persist?.deleteBan(ip);
    this.#events.emit('ban.expired', { ip });
  }
}
