/**
 * Quotas counted cluster-wide. Admission and the relay keep deciding on local counters; every
 * flush this node adds what it counted since the last one to the user's counters in Redis
 * (HINCRBY, so concurrent nodes add up instead of overwriting), reads the totals back in the same
 * MULTI, shows them locally (plus what it counted meanwhile) and announces them so the other
 * nodes show them too. A user can therefore exceed a quota by at most what each node relays in
 * one flush interval. A batch Redis refused is given back and sent with the next one.
 *
 * After an outage the node first raises Redis' counters to at least what it last knew of the
 * cluster (Redis may have come back empty), then adds what it counted while apart.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { ClusterUsage, QuotaLedger, QuotaReplica, QuotaScope } from '../policy/quota.js';
import type { QuotaDelta, QuotaDeltas } from '../policy/quota-deltas.js';
import { HOUR_SLICE_MS } from '../policy/quota-deltas.js';
import { utcDay, utcMonth } from '../policy/rate.js';
import type { ClusterKeys } from './keys.js';
import { encodeEnvelope, chunkChanges, type StateChange } from './messages.js';
import type { StoreBatch, StoreCommands } from './store.js';

const DAY_KEY_TTL_MS = 2 * 86_400_000;
const MONTH_KEY_TTL_MS = 32 * 86_400_000;
const HOUR_KEY_TTL_MS = 2 * 3_600_000;
const HOUR_SLICES = 60;

export interface QuotaSyncDeps {
  node: string;
  keys: ClusterKeys;
  config: () => Config;
  clock: Clock;
  ledger: QuotaLedger;
}

export class QuotaSync {
  readonly #d: QuotaSyncDeps;
  readonly #deltas: QuotaDeltas;
  #resets: Array<[string, QuotaScope]> = [];
  #client: StoreCommands | undefined;
  #flushing = false;
  published = 0;

  constructor(deps: QuotaSyncDeps) {
    this.#d = deps;
    const replica: QuotaReplica = { reset: (username, scope) => { this.#resets.push([username, scope]); } };
    const deltas = deps.ledger.joinCluster(replica);
    if (!deltas) throw new Error('quota ledger did not join the cluster');
    this.#deltas = deltas;
  }

  detach(): void { this.#client = undefined; }

  /** After (re)connecting: raise Redis to what this node knew, then read every configured user's totals back. */
  async resync(client: StoreCommands): Promise<void> {
    this.#client = undefined;
    const { keys, ledger, clock } = this.#d;
    const configured = this.#configured();
    const names = [...configured];
    const multi = client.multi();
    for (const name of ledger.usernames()) {
      if (!configured.has(name)) continue;
      const base = ledger.clusterBase(name);
      if (!base) continue;
      raise(multi, keys.quotaDay(base.day, name), ['b', base.dailyBytes, 'c', base.dailyConnections], DAY_KEY_TTL_MS);
      raise(multi, keys.quotaMonth(base.month, name), ['b', base.monthlyBytes, 'c', base.monthlyConnections], MONTH_KEY_TTL_MS);
      raise(multi, keys.quotaTotal(name), ['b', base.totalBytes], 0);
      raise(multi, keys.quotaHour(name), base.hour.flat(), HOUR_KEY_TTL_MS);
    }
    const now = clock.now();
    const day = utcDay(now);
    const month = utcMonth(now);
    for (const name of names) readTotals(multi, keys, name, day, month);
    const replies = await multi.exec();
    const totals = replies.slice(replies.length - names.length * 4);
    names.forEach((name, i) => {
      const usage = parseTotals(totals.slice(i * 4, i * 4 + 4), day, month, now);
      if (usage.totalBytes > 0 || usage.monthlyConnections > 0 || ledger.has(name)) ledger.applyClusterUsage(name, usage);
    });
    this.#client = client;
  }

  /** Send this node's counts (and resets) since the last flush, read the totals, announce them. */
  async flush(): Promise<void> {
    const client = this.#client;
    if (!client || this.#flushing || (this.#deltas.size === 0 && this.#resets.length === 0)) return;
    this.#flushing = true;
    const { keys, ledger, clock, node } = this.#d;
    const resets = this.#resets;
    this.#resets = [];
    const batch = this.#deltas.take();
    const now = clock.now();
    const multi = client.multi();
    const changes: StateChange[] = [];
    for (const [name, scope] of resets) {
      multi.del(resetKeys(keys, name, scope, utcDay(now), utcMonth(now)));
      changes.push({ t: 'quota-reset', u: name, s: scope });
    }
    for (const [name, d] of batch) addDelta(multi, keys, name, d);
    for (const [name, d] of batch) readTotals(multi, keys, name, d.day, d.month);
    try {
      const replies = await multi.exec();
      const totals = replies.slice(replies.length - batch.length * 4);
      const at = clock.now();
      batch.forEach(([name, d], i) => {
        const usage = parseTotals(totals.slice(i * 4, i * 4 + 4), d.day, d.month, at);
        ledger.applyClusterUsage(name, usage);
        changes.push({ t: 'quota', u: name, d: usage.day, m: usage.month, db: usage.dailyBytes, dc: usage.dailyConnections, mb: usage.monthlyBytes, mc: usage.monthlyConnections, tb: usage.totalBytes, h: usage.hour });
      });
      for (const chunk of chunkChanges(changes)) await client.publish(keys.stateChannel, encodeEnvelope(node, chunk));
      this.published += changes.length;
    } catch {
      // Nothing of a failed MULTI was applied: the counts go back into the outbox (resets too).
      this.#deltas.giveBack(batch, clock.now());
      this.#resets = [...resets, ...this.#resets];
      this.#client = undefined;
    } finally {
      this.#flushing = false;
    }
  }

  /** Apply another node's announcement, for configured users only. */
  receive(c: Extract<StateChange, { t: 'quota' | 'quota-reset' }>): void {
    if (!this.#configured().has(c.u)) return;
    if (c.t === 'quota-reset') { this.#d.ledger.applyRemoteReset(c.u, c.s); return; }
    this.#d.ledger.applyClusterUsage(c.u, { day: c.d, month: c.m, dailyBytes: c.db, dailyConnections: c.dc, monthlyBytes: c.mb, monthlyConnections: c.mc, totalBytes: c.tb, hour: c.h });
  }

  #configuredFor: Config | undefined;
  #configuredSet = new Set<string>();
  #configured(): Set<string> {
    const config = this.#d.config();
    if (config !== this.#configuredFor) {
      this.#configuredFor = config;
      this.#configuredSet = new Set(config.users.map((u) => u.username));
    }
    return this.#configuredSet;
  }
}

function raise(multi: StoreBatch, key: string, pairs: ReadonlyArray<string | number>, ttlMs: number): void {
  const args: string[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) if (Number(pairs[i + 1]) > 0) args.push(String(pairs[i]), String(pairs[i + 1]));
  if (args.length === 0) return;
  multi.raiseFields(key, args);
  if (ttlMs > 0) multi.pExpire(key, ttlMs);
}

function addDelta(multi: StoreBatch, keys: ClusterKeys, name: string, d: QuotaDelta): void {
  if (d.dailyBytes > 0 || d.dailyConnections > 0) {
    const k = keys.quotaDay(d.day, name);
    multi.hIncrBy(k, 'b', d.dailyBytes).hIncrBy(k, 'c', d.dailyConnections).pExpire(k, DAY_KEY_TTL_MS);
  }
  if (d.monthlyBytes > 0 || d.monthlyConnections > 0) {
    const k = keys.quotaMonth(d.month, name);
    multi.hIncrBy(k, 'b', d.monthlyBytes).hIncrBy(k, 'c', d.monthlyConnections).pExpire(k, MONTH_KEY_TTL_MS);
  }
  if (d.totalBytes > 0) multi.hIncrBy(keys.quotaTotal(name), 'b', d.totalBytes);
  if (d.hour.size > 0) {
    const k = keys.quotaHour(name);
    for (const [slice, bytes] of d.hour) multi.hIncrBy(k, String(slice), bytes);
    multi.pExpire(k, HOUR_KEY_TTL_MS);
  }
}

function readTotals(multi: StoreBatch, keys: ClusterKeys, name: string, day: number, month: number): void {
  multi.hGetAll(keys.quotaDay(day, name)).hGetAll(keys.quotaMonth(month, name)).hGetAll(keys.quotaTotal(name)).hGetAll(keys.quotaHour(name));
}

function resetKeys(keys: ClusterKeys, name: string, scope: QuotaScope, day: number, month: number): string[] {
  const out: string[] = [];
  if (scope === 'all' || scope === 'daily') out.push(keys.quotaDay(day, name));
  if (scope === 'all' || scope === 'monthly') out.push(keys.quotaMonth(month, name));
  if (scope === 'all' || scope === 'hourly') out.push(keys.quotaHour(name));
  if (scope === 'all' || scope === 'total') out.push(keys.quotaTotal(name));
  return out;
}

/** Replies of readTotals (four hashes) as counters; garbage reads as 0, slices older than an hour are dropped. */
export function parseTotals(replies: readonly unknown[], day: number, month: number, now: number): ClusterUsage {
  const field = (i: number, f: string): number => {
    const h = replies[i];
    const v = h !== null && typeof h === 'object' ? Number((h as Record<string, unknown>)[f]) : 0;
    return Number.isSafeInteger(v) && v > 0 ? v : 0;
  };
  const current = Math.floor(now / HOUR_SLICE_MS);
  const hourHash = replies[3];
  const hour: Array<[number, number]> = [];
  if (hourHash !== null && typeof hourHash === 'object') {
    for (const [k, v] of Object.entries(hourHash as Record<string, unknown>)) {
      const slice = Number(k);
      const bytes = Number(v);
      if (Number.isSafeInteger(slice) && slice > current - HOUR_SLICES && slice <= current && Number.isSafeInteger(bytes) && bytes > 0) hour.push([slice, bytes]);
    }
  }
  return {
    day, month,
    dailyBytes: field(0, 'b'), dailyConnections: field(0, 'c'),
    monthlyBytes: field(1, 'b'), monthlyConnections: field(1, 'c'),
    totalBytes: field(2, 'b'),
    hour: hour.sort((a, b) => a[0] - b[0]).slice(-HOUR_SLICES),
  };
}
