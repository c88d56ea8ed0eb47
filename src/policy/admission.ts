/**
 * Pre-auth admission: the first stage after TCP accept, before any handshake byte is answered.
 * Everything here is a map lookup or a short scan, so a refused connection costs almost nothing
 * (no Argon2, no DNS). Order, cheapest and most decisive first:
 *   maintenance -> allowed_source_ips -> geoip -> ban -> reputation -> per-IP rate
 *   -> server new-connection rate -> pre-auth budget (max_startups, per_source_max_startups).
 * The returned slot starts in the pre-auth budget; `promote()` at authentication moves it to
 * max_connections, so connections that never authenticate cannot take an authenticated user's slot.
 * Ban whitelist entries skip the ban, reputation and per-IP rate checks (not the pre-auth budget:
 * the whitelist is trust against bans, not a licence to hold unlimited half-open sockets).
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { allow, deny, type Decision } from '../errors.js';
import type { EventBus } from '../observe/events.js';
import type { AdmissionSlot } from '../pipeline/types.js';
import type { BanList } from './ban.js';
import { canonicalIp, compileIpList, type IpList } from './ip-address.js';
import type { CompiledMaintenance } from './maintenance-schedule.js';
import { workerShare, type MachinePeers } from './machine-share.js';
import { CappedMap, createRateWindow, type RateWindow } from './rate.js';
import type { Reputation } from './reputation.js';
import { StartupBudget, type StartupsSnapshot } from './startup-budget.js';

/** GeoIpFilter's shape (src/policy/geoip.ts), kept structural so tests can pass a stub. */
export interface SourceFilter { check(ip: string): { allow: true } | { allow: false; reason: string } }

export interface AdmissionDeps {
  config: () => Config;
  /** The live world's compiled `[[maintenance_windows]]` (World.maintenance). */
  maintenance: () => CompiledMaintenance;
  clock: Clock;
  events: EventBus;
  bans: BanList;
  reputation: Reputation;
  geoip?: SourceFilter;
  /** A uniform draw in [0, 1) for the pre-auth budget's random early drop (Math.random, wired in server/). */
  random: () => number;
}

/**
 * Without a per-IP limit configured, more than this many connections a minute from one source
 * still count as "rapid" for reputation (they are not refused for it).
 */
export const RAPID_CONNECTIONS_PER_MINUTE = 60;

/**
 * What other nodes of a cluster contribute to the per-IP rate (src/cluster/ip-openings.ts): their
 * recent openings per client IP, kept locally from their announcements.
 */
export interface AdmissionPeers {
  /** Openings of this IP on other nodes in (now - ms, now]. */
  openingsWithin(ip: string, now: number, ms: number): number;
  /** An opening admitted here under a per-IP limit (announced to the others). */
  opened(ip: string, at: number): void;
}

const DEFAULT_MAINTENANCE_MESSAGE = 'Server is under maintenance. Please try again later.';
interface Compiled { source: Config; allowed: IpList }

export class Admission {
  readonly #deps: AdmissionDeps;
  #compiled: Compiled | undefined;
  #perIp: CappedMap<string, RateWindow>;
  #serverSecond: RateWindow | undefined;
  #serverMinute: RateWindow | undefined;
  #active = 0;
  readonly #startups: StartupBudget;
  #peers: AdmissionPeers | undefined;
  #machine: MachinePeers | undefined;
  #manual: { enabled: boolean; message: string } = { enabled: false, message: DEFAULT_MAINTENANCE_MESSAGE };

  constructor(deps: AdmissionDeps) {
    this.#deps = deps;
    this.#perIp = new CappedMap(() => deps.config().security.rate_limit_max_ips);
    this.#startups = new StartupBudget(deps.random);
  }

  /** Count other nodes' openings per IP from now on (undefined: this node alone). */
  joinCluster(peers: AdmissionPeers | undefined): void { this.#peers = peers; }

  /** Count the machine's other workers in limits.max_connections and the server-wide rates. */
  shareMachine(machine: MachinePeers | undefined): void { this.#machine = machine; }

  /** Authenticated connections currently holding a max_connections slot. */
  get active(): number { return this.#active; }

  /** The pre-auth budget now: in progress, early drop on or off, drops so far (metrics, logs). */
  startups(): StartupsSnapshot { return this.#startups.snapshot(this.#deps.config().limits); }

  /**
   * On TCP accept, before any handshake. On allow, the connection holds a pre-auth slot: promote it
   * when it authenticates, release it when it closes.
   */
  admit(ipText: string): Decision<AdmissionSlot> {
    const config = this.#deps.config();
    const compiled = this.#compile(config);
    const ip = canonicalIp(ipText);
    const now = this.#deps.clock.now();

    const maintenance = this.#maintenanceAt(now);
    if (maintenance.enabled) return deny('SKS5_DENY_MAINTENANCE', `maintenance mode: refused ${ip}`, maintenance.message);

    if (compiled.allowed.ranges.length > 0 && !compiled.allowed.contains(ip)) {
      return deny('SKS5_DENY_SOURCE_IP', `${ip} is not in security.allowed_source_ips`);
    }
    if (this.#deps.geoip) {
      const geo = this.#deps.geoip.check(ip);
      if (!geo.allow) return deny('SKS5_DENY_GEOIP', `${ip}: ${geo.reason}`);
    }

    const whitelisted = this.#deps.bans.isWhitelisted(ip);
    if (!whitelisted) {
      const ban = this.#deps.bans.check(ip);
      if (ban.banned) {
        return deny('SKS5_DENY_BANNED', `${ip} is banned for ${ban.remainingSecs}s more (${ban.reason})`, 'temporarily banned, try again later');
      }
      if (this.#deps.reputation.refuses(ip)) {
        const score = this.#deps.reputation.score(ip).toFixed(1);
        return deny('SKS5_DENY_REPUTATION', `${ip} reputation score ${score} >= security.ip_reputation_ban_threshold ${config.security.ip_reputation_ban_threshold}`);
      }
      const rate = this.#perIpRate(config, ip, now);
      if (!rate.allow) return rate;
    }

    const server = this.#serverRate(config, ip, now);
    if (!server.allow) return server;

    const startup = this.#startups.enter(config.limits, ip);
    if (!startup.allow) return startup;
    const pending = startup.value;
    let state: 'pending' | 'authed' | 'released' = 'pending';
    return allow({
      promote: () => {
        if (state !== 'pending') return allow();
        // The live config: a reload that raised max_connections applies to handshakes in flight.
        const limit = this.#deps.config().limits.max_connections;
        if (limit > 0 && this.#active + (this.#machine?.connections() ?? 0) >= limit) {
          return deny('SKS5_DENY_CONN_LIMIT', `limits.max_connections (${limit}) authenticated connections reached; refused ${ip}`, 'server busy, try again later');
        }
        pending.leave();
        this.#active++;
        state = 'authed';
        return allow();
      },
      release: () => {
        // Idempotent: error paths and close handlers may both release.
        if (state === 'pending') pending.leave();
        else if (state === 'authed') this.#active--;
        state = 'released';
      },
    });
  }

  /** A failed authentication: counts towards the auto-ban and the reputation score. */
  recordAuthFailure(ip: string, username: string): void {
    // The name comes from an unauthenticated client: bounded and without control characters.
    const name = username.slice(0, 64).replace(/[\x00-\x1f\x7f]/g, '?');
    this.#deps.bans.recordFailure(ip, `authentication failures (last user "${name}")`);
    if (!this.#deps.bans.isWhitelisted(ip)) this.#deps.reputation.authFailure(ip);
  }

  recordAuthSuccess(ip: string): void {
    this.#deps.reputation.authSuccess(ip);
  }

  recordAclDenial(ip: string): void {
    if (!this.#deps.bans.isWhitelisted(ip)) this.#deps.reputation.aclDenial(ip);
  }

  /** Manual toggle (API, SIGUSR1). Scheduled windows apply on top of it. */
  setMaintenance(on: boolean, message?: string, source = 'api'): void {
    this.#manual = { enabled: on, message: message ?? DEFAULT_MAINTENANCE_MESSAGE };
    this.#deps.events.emit('maintenance.toggled', on ? { enabled: on, source, message: this.#manual.message } : { enabled: on, source });
  }

  /** In effect now: the manual toggle, else the first scheduled window covering now. */
  maintenance(): { enabled: boolean; message: string } {
    return this.#maintenanceAt(this.#deps.clock.now());
  }

  /** Drop per-IP windows idle for over a minute; the owner calls this every rate_limit_cleanup_interval. */
  sweep(): void {
    const now = this.#deps.clock.now();
    for (const [ip, log] of [...this.#perIp.entries()]) if (now - log.lastAt() >= 60_000) this.#perIp.delete(ip);
  }

  #maintenanceAt(now: number): { enabled: boolean; message: string } {
    if (this.#manual.enabled) return { ...this.#manual };
    const w = this.#deps.maintenance().active(now);
    return w ? { enabled: true, message: w.message } : { enabled: false, message: '' };
  }

  #perIpRate(config: Config, ip: string, now: number): Decision {
    const limit = config.security.max_new_connections_per_ip_per_minute;
    const scoring = this.#deps.reputation.enabled;
    if (limit === 0 && !scoring) return allow();
    const size = limit > 0 ? limit : RAPID_CONNECTIONS_PER_MINUTE;
    let log = this.#perIp.get(ip);
    if (!log || log.limit !== size) {
      log = createRateWindow(size, 60_000);
    }
    this.#perIp.set(ip, log);
    // With a limit set, openings of this address on the other nodes count too (they arrive in their
    // 100 ms batches, so spreading over N nodes buys at most one batch per node). Without one the
    // window only feeds the local "rapid" reputation signal, which stays per node.
    const n = limit > 0 ? this.#peers?.openingsWithin(ip, now, 60_000) ?? 0 : 0;
    if (n === 0 ? log.tryRecord(now) : log.count(now) + n < log.limit && log.tryRecord(now)) {
      if (limit > 0) this.#peers?.opened(ip, now);
      return allow();
    }
    this.#deps.reputation.rapidConnection(ip);
    if (limit === 0) return allow();
    this.#deps.events.emit('rate_limit.exceeded', { source_ip: ip, limit: 'max_new_connections_per_ip_per_minute' });
    return deny('SKS5_DENY_RATE', `${ip} exceeded security.max_new_connections_per_ip_per_minute (${limit})`, 'too many connections, slow down');
  }

  #serverRate(config: Config, ip: string, now: number): Decision {
    const perSec = workerShare(config.limits.max_new_connections_per_second, this.#machine);
    const perMin = workerShare(config.limits.max_new_connections_per_minute, this.#machine);
    if (perSec > 0 && this.#serverSecond?.limit !== perSec) this.#serverSecond = createRateWindow(perSec, 1000);
    if (perMin > 0 && this.#serverMinute?.limit !== perMin) this.#serverMinute = createRateWindow(perMin, 60_000);
    const checks: Array<[number, RateWindow | undefined, string]> = [
      [perSec, this.#serverSecond, 'max_new_connections_per_second'],
      [perMin, this.#serverMinute, 'max_new_connections_per_minute'],
    ];
    for (const [limit, log, name] of checks) {
      if (limit > 0 && log && !log.wouldAllow(now)) {
        this.#deps.events.emit('rate_limit.exceeded', { source_ip: ip, limit: name });
        return deny('SKS5_DENY_RATE', `limits.${name} (${limit}) reached; refused ${ip}`, 'server busy, try again later');
      }
    }
    // Record only once both windows accept, so a refused attempt does not use up the other window.
    for (const [limit, log] of checks) if (limit > 0) log?.record(now);
    return allow();
  }

  #compile(config: Config): Compiled {
    if (this.#compiled?.source === config) return this.#compiled;
    this.#compiled = { source: config, allowed: compileIpList(config.security.allowed_source_ips, 'security.allowed_source_ips') };
    return this.#compiled;
  }
}
