/**
 * IP reputation: a score per source address that rises with bad behaviour and halves every hour.
 * Admission refuses a source whose score reaches `ip_reputation_ban_threshold` (0 = score only).
 * Scores are kept decayed lazily: each entry stores the score at `updatedAt`, and readers apply
 * the decay for the time since then, so nothing has to tick.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { canonicalIp } from './ip-address.js';
import { CappedMap } from './rate.js';

export const REPUTATION_POINTS = {
  authFailure: 10,
  aclDenial: 5,
  rapidConnection: 3,
  authSuccess: -5,
} as const;

export const REPUTATION_HALF_LIFE_MS = 3_600_000;

/** Below this a score is noise; the entry is dropped to keep the map small. */
const FORGET_BELOW = 0.5;

export interface ReputationRecord { ip: string; score: number; updatedAt: number; authFailures: number }

/** Where scores go to survive a restart. Implementations buffer; none of these may throw. */
export interface ReputationPersistence {
  save(record: ReputationRecord): void;
  delete(ip: string): void;
}

/** Where this node's own score changes go to reach other nodes (src/cluster/). None may throw. */
export interface ReputationReplica {
  scored(ip: string, points: number, at: number, authFailures: number): void;
  reset(ip: string): void;
}

export interface ReputationDeps {
  config: () => Config;
  clock: Clock;
  persist?: ReputationPersistence;
  initial?: readonly ReputationRecord[];
}

/** score * 2^(-elapsed / half-life). */
export function decayed(score: number, elapsedMs: number): number {
  if (elapsedMs <= 0) return score;
  return score * Math.pow(0.5, elapsedMs / REPUTATION_HALF_LIFE_MS);
}

export class Reputation {
  readonly #config: () => Config;
  readonly #clock: Clock;
  readonly #persist: ReputationPersistence | undefined;
  readonly #scores: CappedMap<string, { score: number; updatedAt: number; authFailures: number }>;
  #replica: ReputationReplica | undefined;

  constructor(deps: ReputationDeps) {
    this.#config = deps.config;
    this.#clock = deps.clock;
    this.#persist = deps.persist;
    this.#scores = new CappedMap(() => this.#config().security.rate_limit_max_ips);
    for (const r of deps.initial ?? []) {
      this.#scores.set(canonicalIp(r.ip), { score: r.score, updatedAt: r.updatedAt, authFailures: r.authFailures });
    }
  }

  /** Send this node's own changes to `replica` from now on. */
  replicateTo(replica: ReputationReplica | undefined): void { this.#replica = replica; }

  get enabled(): boolean { return this.#config().security.ip_reputation_enabled; }

  /** The current (decayed) score; 0 for unknown sources. */
  score(ipText: string): number {
    const e = this.#scores.get(canonicalIp(ipText));
    return e ? decayed(e.score, this.#clock.now() - e.updatedAt) : 0;
  }

  /** True when the source should be refused: enabled, threshold > 0 and score >= threshold. */
  refuses(ipText: string): boolean {
    const sec = this.#config().security;
    if (!sec.ip_reputation_enabled || sec.ip_reputation_ban_threshold === 0) return false;
    return this.score(ipText) >= sec.ip_reputation_ban_threshold;
  }

  authFailure(ip: string): number { return this.#add(ip, REPUTATION_POINTS.authFailure, 1, true); }
  aclDenial(ip: string): number { return this.#add(ip, REPUTATION_POINTS.aclDenial, 0, true); }
  rapidConnection(ip: string): number { return this.#add(ip, REPUTATION_POINTS.rapidConnection, 0, true); }
  authSuccess(ip: string): number { return this.#add(ip, REPUTATION_POINTS.authSuccess, 0, true); }

  /** Scores above `minScore`, highest first (API, metrics). */
  list(minScore = 0): ReputationRecord[] {
    const now = this.#clock.now();
    return [...this.#scores.entries()]
      .map(([ip, e]) => ({ ip, score: decayed(e.score, now - e.updatedAt), updatedAt: now, authFailures: e.authFailures }))
      .filter((r) => r.score >= minScore)
      .sort((a, b) => b.score - a.score);
  }

  reset(ipText: string): void {
    const ip = canonicalIp(ipText);
    if (this.#scores.delete(ip)) this.#persist?.delete(ip);
    this.#replica?.reset(ip);
  }

  /** Points another node gave `ip` at `at` (decayed from then; no echo to the replica). */
  applyRemote(ip: string, points: number, at: number, authFailures: number): void {
    this.#add(ip, points * Math.pow(0.5, Math.max(0, this.#clock.now() - at) / REPUTATION_HALF_LIFE_MS), authFailures, false);
  }

  /** A reset another node made. */
  applyRemoteReset(ipText: string): void {
    const ip = canonicalIp(ipText);
    if (this.#scores.delete(ip)) this.#persist?.delete(ip);
  }

  /**
   * The score another copy holds (Redis after an outage): the higher of the two wins, so points
   * counted on either side while apart are not lost to the other's older value.
   */
  mergeRecord(r: ReputationRecord): void {
    if (!this.enabled) return;
    const ip = canonicalIp(r.ip);
    const now = this.#clock.now();
    const theirs = decayed(r.score, now - r.updatedAt);
    const prev = this.#scores.get(ip);
    const ours = prev ? decayed(prev.score, now - prev.updatedAt) : 0;
    if (theirs <= ours || theirs < FORGET_BELOW) return;
    const authFailures = Math.max(prev?.authFailures ?? 0, r.authFailures);
    for (const evicted of this.#scores.set(ip, { score: theirs, updatedAt: now, authFailures })) this.#persist?.delete(evicted);
    this.#persist?.save({ ip, score: theirs, updatedAt: now, authFailures });
  }

  /** This node's record of `ip`, decayed to now (for replication). */
  record(ipText: string): ReputationRecord | undefined {
    const ip = canonicalIp(ipText);
    const e = this.#scores.get(ip);
    if (!e) return undefined;
    const now = this.#clock.now();
    return { ip, score: decayed(e.score, now - e.updatedAt), updatedAt: now, authFailures: e.authFailures };
  }

  /** Drop scores that decayed to noise; the owner calls this now and then. */
  sweep(): void {
    const now = this.#clock.now();
    for (const [ip, e] of [...this.#scores.entries()]) {
      if (decayed(e.score, now - e.updatedAt) < FORGET_BELOW) {
        this.#scores.delete(ip);
        this.#persist?.delete(ip);
      }
    }
  }

  get size(): number { return this.#scores.size; }

  #add(ipText: string, points: number, failures: number, local: boolean): number {
    // Scoring is cheap but not free: with reputation off we neither track nor persist.
    if (!this.enabled) return 0;
    const ip = canonicalIp(ipText);
    const now = this.#clock.now();
    if (local) this.#replica?.scored(ip, points, now, failures);
    const prev = this.#scores.get(ip);
    const base = prev ? decayed(prev.score, now - prev.updatedAt) : 0;
    const score = Math.max(0, base + points);
    const authFailures = (prev?.authFailures ?? 0) + failures;
    if (score < FORGET_BELOW) {
      if (prev) { this.#scores.delete(ip); this.#persist?.delete(ip); }
      return 0;
    }
    for (const evicted of this.#scores.set(ip, { score, updatedAt: now, authFailures })) this.#persist?.delete(evicted);
    this.#persist?.save({ ip, score, updatedAt: now, authFailures });
    return score;
  }
}
