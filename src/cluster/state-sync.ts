/**
 * Shares bans, auth-failure windows and IP reputation between nodes through Redis.
 *
 * Reads never leave the node: the ban list and scores admission consults are local, kept fresh by
 * the state channel (a ban made anywhere arrives in milliseconds). This node's own changes go to
 * an outbox flushed every FLUSH_MS as one MULTI (the durable copy in Redis plus one published
 * batch). While Redis is away the outbox keeps filling (bounded) and nothing blocks; when it comes
 * back, `resync()` merges instead of overwriting: bans by version (ban-versions.ts), failure windows
 * by union, scores by maximum.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { BanList, BanRecord, BanReplica } from '../policy/ban.js';
import type { Reputation, ReputationRecord, ReputationReplica } from '../policy/reputation.js';
import { decayed } from '../policy/reputation.js';
import { CappedMap } from '../policy/rate.js';
import { decodeBanVersion, encodeBanVersion, isNewer, planBanMerge, type BanVersion } from './ban-versions.js';
import { ipOfFailKey, type ClusterKeys } from './keys.js';
import { chunkChanges, decodeEnvelope, encodeEnvelope, type StateChange } from './messages.js';
import type { StoreBatch, StoreCommands } from './store.js';

/** Outbox period: the bound on how late another node learns of a change, and on kill -9 loss. */
export const FLUSH_MS = 100;
/** SCAN page and overall cap on failure keys read back after an outage. */
const SCAN_COUNT = 500;

export interface StateSyncDeps {
  node: string;
  keys: ClusterKeys;
  config: () => Config;
  clock: Clock;
  bans: BanList;
  reputation: Reputation;
  warn(message: string): void;
  /** Quota announcements go to the quota sync (src/cluster/quota-sync.ts). */
  onQuota?: (change: Extract<StateChange, { t: 'quota' | 'quota-reset' }>) => void;
  /** Heartbeats, tunnel counts, session lists and openings go to the peer table (src/cluster/peers.ts). */
  onPeer?: (node: string, change: Extract<StateChange, { t: 'hb' | 'conns' | 'sess' | 'urate' | 'iprate' }>) => void;
  /** Kick, broadcast and maintenance made through another node's API. */
  onOperation?: (change: ClusterOperation) => void;
  /** Another node's bus events and live-feed presence, for src/cluster/shared-events.ts. */
  onEvent?: (node: string, change: Extract<StateChange, { t: 'ev' | 'watch' }>) => void;
  /** Client fingerprint decisions and first sightings go to the fingerprint sync (src/cluster/fingerprint-sync.ts). */
  onFingerprint?: (change: Extract<StateChange, { t: 'fp' | 'fp-seen' }>) => void;
}

export type ClusterOperation = Extract<StateChange, { t: 'op' }>;

export interface SyncStats { published: number; received: number; rejected: number; merges: number }

export class StateSync {
  readonly #d: StateSyncDeps;
  readonly #ledger: CappedMap<string, BanVersion>;
  readonly #dirtyBans = new Set<string>();
  readonly #pendingFail = new Map<string, number[]>();
  readonly #pendingRep = new Map<string, { points: number; at: number; failures: number }>();
  readonly #stats: SyncStats = { published: 0, received: 0, rejected: 0, merges: 0 };
  #client: StoreCommands | undefined;
  #flushing = false;
  #outboxFullWarned = false;

  constructor(deps: StateSyncDeps) {
    this.#d = deps;
    this.#ledger = new CappedMap(() => deps.config().security.rate_limit_max_ips);
  }

  get stats(): Readonly<SyncStats> { return this.#stats; }

  /** The ports BanList and Reputation report this node's own changes to. */
  banReplica(): BanReplica {
    return {
      banned: (b: BanRecord) => this.#noteBan(b.ip, { at: this.#d.clock.now(), node: this.#d.node, expiresAt: b.expiresAt, reason: b.reason, removed: false }),
      unbanned: (ip: string) => {
        const now = this.#d.clock.now();
        const known = this.#ledger.get(ip);
        const until = Math.max(known?.expiresAt ?? 0, now + this.#d.config().security.ban_duration * 1000);
        this.#noteBan(ip, { at: now, node: this.#d.node, expiresAt: until, reason: '', removed: true });
      },
      failed: (ip: string, at: number) => {
        if (!this.#roomFor(this.#pendingFail, ip)) return;
        const list = this.#pendingFail.get(ip) ?? [];
        if (list.length < 1000) list.push(at);
        this.#pendingFail.set(ip, list);
      },
    };
  }

  reputationReplica(): ReputationReplica {
    return {
      scored: (ip, points, at, failures) => {
        if (!this.#roomFor(this.#pendingRep, ip)) return;
        const prev = this.#pendingRep.get(ip);
        // Points are summed as of the newest instant, decayed like the score itself.
        const sum = prev ? decayed(prev.points, at - prev.at) + points : points;
        this.#pendingRep.set(ip, { points: sum, at, failures: (prev?.failures ?? 0) + failures });
      },
      reset: (ip) => {
        this.#pendingRep.set(ip, { points: Number.NaN, at: this.#d.clock.now(), failures: 0 });
      },
    };
  }

  /** Redis is up (again): merge both ways, then let the outbox flow. */
  async resync(client: StoreCommands): Promise<void> {
    this.#client = undefined;
    const { keys, bans, reputation, clock } = this.#d;
    // Deltas counted while apart are inside this node's scores already; the max-merge below carries them.
    this.#pendingRep.clear();
    const now = clock.now();
    const changes: StateChange[] = [];
    const multi = client.multi();
    await this.#mergeBans(client, multi, changes);
    this.#dirtyBans.clear();
    // Failure windows: ours up first (the union is idempotent), then everyone's back.
    changes.push(...this.#queueFailures(multi));
    const remoteRep = await client.hGetAll(keys.reputation);
    for (const [ip, raw] of Object.entries(remoteRep)) {
      const r = decodeRep(ip, raw);
      if (r) reputation.mergeRecord(r);
    }
    for (const r of reputation.list(0.5)) {
      const theirs = remoteRep[r.ip] !== undefined ? decodeRep(r.ip, remoteRep[r.ip]!) : undefined;
      if (theirs && decayed(theirs.score, now - theirs.updatedAt) >= r.score) continue;
      multi.hSet(keys.reputation, r.ip, encodeRep(r));
      changes.push({ t: 'rep-set', ip: r.ip, s: r.score, u: r.updatedAt, f: r.authFailures });
    }
    for (const chunk of chunkChanges(changes)) multi.publish(keys.stateChannel, encodeEnvelope(this.#d.node, chunk));
    await multi.exec();
    this.#stats.published += weight(changes);

    let seen = 0;
    const cap = this.#d.config().security.rate_limit_max_ips;
    for await (const page of client.scanIterator({ MATCH: keys.failPattern, COUNT: SCAN_COUNT })) {
      for (const key of page) {
        const ip = ipOfFailKey(keys, String(key));
        if (ip === undefined || ++seen > cap) continue;
        const stamps = (await client.zRangeWithScores(String(key))).map((m) => m.score);
        // A merged window at the threshold bans here; the outbox announces it once attached.
        if (stamps.length > 0) bans.mergeFailures(ip, stamps, true);
      }
      if (seen > cap) break;
    }
    this.#stats.merges++;
    this.#client = client;
  }

  /**
   * Anti-entropy for bans alone (a timer, every few seconds): a message missed in the instant
   * between a reconnect and the resubscription is corrected here rather than never.
   */
  async refreshBans(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    const changes: StateChange[] = [];
    const multi = client.multi();
    await this.#mergeBans(client, multi, changes);
    for (const chunk of chunkChanges(changes)) multi.publish(this.#d.keys.stateChannel, encodeEnvelope(this.#d.node, chunk));
    await multi.exec();
    this.#stats.published += weight(changes);
  }

  async #mergeBans(client: StoreCommands, multi: StoreBatch, changes: StateChange[]): Promise<void> {
    const keys = this.#d.keys;
    const remote = new Map<string, { version: BanVersion | undefined; raw: string }>();
    for (const [ip, raw] of Object.entries(await client.hGetAll(keys.bans))) remote.set(ip, { version: decodeBanVersion(raw), raw });
    const plan = planBanMerge(new Map(this.#ledger.entries()), remote, this.#d.clock.now());
    for (const [ip, v] of plan.applyLocal) this.#applyBan(ip, v);
    for (const [ip, v] of plan.push) {
      writeBan(multi, keys, ip, v);
      changes.push(banChange(ip, v));
      this.#dirtyBans.delete(ip);
    }
    for (const [ip, raw] of plan.dropRemote) multi.delIfUnchanged(keys.bans, ip, raw);
  }

  /** Redis went away: keep counting locally; the next resync merges. */
  detach(): void { this.#client = undefined; }

  /** Apply a batch another node published. Our own batches come back too and are skipped. */
  receive(text: string): void {
    const d = decodeEnvelope(text);
    if (!d.ok) {
      this.#stats.rejected++;
      this.#d.warn(`cluster: state message dropped: ${d.error}`);
      return;
    }
    if (d.envelope.node === this.#d.node) return;
    this.#stats.received += weight(d.envelope.changes);
    const node = d.envelope.node;
    for (const c of d.envelope.changes) {
      switch (c.t) {
        case 'ban':
        case 'unban': {
          const v: BanVersion = { at: c.a, node, expiresAt: c.e, reason: c.t === 'ban' ? c.r : '', removed: c.t === 'unban' };
          if (isNewer(v, this.#ledger.get(c.ip))) this.#applyBan(c.ip, v);
          break;
        }
        case 'fail':
          this.#d.bans.mergeFailures(c.ip, c.at, false);
          break;
        case 'rep':
          this.#d.reputation.applyRemote(c.ip, c.p, c.at, c.f);
          break;
        case 'rep-set':
          this.#d.reputation.mergeRecord({ ip: c.ip, score: c.s, updatedAt: c.u, authFailures: c.f });
          break;
        case 'rep-reset':
          this.#d.reputation.applyRemoteReset(c.ip);
          break;
        case 'quota':
        case 'quota-reset':
          this.#d.onQuota?.(c);
          break;
        case 'hb':
        case 'conns':
        case 'sess':
        case 'urate':
        case 'iprate':
          this.#d.onPeer?.(node, c);
          break;
        case 'op':
          this.#d.onOperation?.(c);
          break;
        case 'ev':
        case 'watch':
          this.#d.onEvent?.(node, c);
          break;
        case 'fp':
        case 'fp-seen':
          this.#d.onFingerprint?.(c);
          break;
      }
    }
  }

  /** Send the outbox (one MULTI). A failure leaves it to the next resync. */
  async flush(): Promise<void> {
    const client = this.#client;
    if (!client || this.#flushing) return;
    if (this.#dirtyBans.size === 0 && this.#pendingFail.size === 0 && this.#pendingRep.size === 0) return;
    this.#flushing = true;
    const { keys } = this.#d;
    const changes: StateChange[] = [];
    const multi = client.multi();
    for (const ip of this.#dirtyBans) {
      const v = this.#ledger.get(ip);
      if (!v) continue;
      writeBan(multi, keys, ip, v);
      multi.del(keys.fail(ip));
      changes.push(banChange(ip, v));
    }
    this.#dirtyBans.clear();
    changes.push(...this.#queueFailures(multi));
    for (const [ip, p] of this.#pendingRep) {
      if (Number.isNaN(p.points)) {
        multi.hDel(keys.reputation, ip);
        changes.push({ t: 'rep-reset', ip });
        continue;
      }
      changes.push({ t: 'rep', ip, p: p.points, at: p.at, f: p.failures });
      const r = this.#d.reputation.record(ip);
      if (r) multi.hSet(keys.reputation, ip, encodeRep(r));
      else multi.hDel(keys.reputation, ip);
    }
    this.#pendingRep.clear();
    for (const chunk of chunkChanges(changes)) multi.publish(keys.stateChannel, encodeEnvelope(this.#d.node, chunk));
    try {
      await multi.exec();
      this.#stats.published += weight(changes);
    } catch {
      // Redis dropped mid-flush: what was in this batch is still in the local state; resync merges it.
      this.#client = undefined;
    } finally {
      this.#flushing = false;
    }
  }

  /** Forget ledger entries past their expiry (a sweep timer calls this). */
  sweep(): void {
    const now = this.#d.clock.now();
    for (const [ip, v] of [...this.#ledger.entries()]) if (v.expiresAt <= now) this.#ledger.delete(ip);
  }

  #queueFailures(multi: StoreBatch): StateChange[] {
    const { keys, node, config, clock } = this.#d;
    const windowMs = config().security.ban_window * 1000;
    const changes: StateChange[] = [];
    for (const [ip, stamps] of this.#pendingFail) {
      const key = keys.fail(ip);
      multi.zAdd(key, stamps.map((t) => ({ score: t, value: `${t}:${node}` })));
      multi.zRemRangeByScore(key, '-inf', clock.now() - windowMs);
      multi.pExpire(key, windowMs);
      changes.push({ t: 'fail', ip, at: stamps });
    }
    this.#pendingFail.clear();
    return changes;
  }

  #noteBan(ip: string, v: BanVersion): void {
    this.#ledger.set(ip, v);
    this.#pendingFail.delete(ip);
    this.#dirtyBans.add(ip);
  }

  #applyBan(ip: string, v: BanVersion): void {
    this.#ledger.set(ip, v);
    if (v.removed) this.#d.bans.applyRemoteUnban(ip);
    else this.#d.bans.applyRemoteBan({ ip, expiresAt: v.expiresAt, reason: v.reason });
  }

  #roomFor(map: Map<string, unknown>, ip: string): boolean {
    if (map.has(ip) || map.size < this.#d.config().security.rate_limit_max_ips) return true;
    if (!this.#outboxFullWarned) {
      this.#outboxFullWarned = true;
      this.#d.warn('cluster: outbox full while Redis is away; further failures and scores stay local to this node');
    }
    return false;
  }
}

/**
 * Changes counted as the metrics see them: each failure instant is one, however they were batched;
 * heartbeats, tunnel counts, session lists and live events are presence, not state, and do not count.
 */
function weight(changes: readonly StateChange[]): number {
  let n = 0;
  for (const c of changes) n += c.t === 'fail' ? c.at.length : c.t === 'hb' || c.t === 'conns' || c.t === 'sess' || c.t === 'ev' || c.t === 'watch' ? 0 : 1;
  return n;
}

function writeBan(multi: StoreBatch, keys: ClusterKeys, ip: string, v: BanVersion): void {
  multi.setIfNewer(keys.bans, ip, encodeBanVersion(v), v.at, v.node);
}

function banChange(ip: string, v: BanVersion): StateChange {
  return v.removed ? { t: 'unban', ip, a: v.at, e: v.expiresAt } : { t: 'ban', ip, a: v.at, e: v.expiresAt, r: v.reason.slice(0, 512) };
}

function encodeRep(r: ReputationRecord): string {
  return JSON.stringify({ s: r.score, u: r.updatedAt, f: r.authFailures });
}

function decodeRep(ip: string, raw: string): ReputationRecord | undefined {
  try {
    const o = JSON.parse(raw) as { s?: unknown; u?: unknown; f?: unknown };
    if (typeof o.s !== 'number' || typeof o.u !== 'number' || !Number.isFinite(o.s) || !Number.isFinite(o.u)) return undefined;
    return { ip, score: o.s, updatedAt: o.u, authFailures: typeof o.f === 'number' ? o.f : 0 };
  } catch {
    return undefined;
  }
}
