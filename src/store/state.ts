/**
 * Durable state, wired once at startup: bans, auth-failure windows, quota counters, reputation
 * and per-user shell data in `<data_dir>/sks5.db` (SQLite, WAL). The policy objects own the live
 * state in memory; this file loads them from disk and flushes their changes every
 * FLUSH_INTERVAL_MS in one transaction, so a kill -9 loses at most that much accounting.
 *
 * Failure modes: another live sks5 on the same data dir is fatal (DataDirLockedError). An
 * unwritable directory or a corrupt database degrades to memory only, with a warning and
 * `persistenceAvailable === false` (the metrics gauge).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../observe/events.js';
import { BanList, type BanSnapshot } from '../policy/ban.js';
import { QuotaLedger, type QuotaScope, type QuotaUsage, type UsageRecord } from '../policy/quota.js';
import type { EffectiveUser } from '../config/users.js';
import { Reputation, type ReputationRecord } from '../policy/reputation.js';
import { BanTable } from './bans.js';
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from './lock.js';
import { QuotaTable } from './quotas.js';
import { ReputationTable } from './reputation.js';
import { openSqlite, WriteQueue, type Db, type StoreLog } from './sqlite.js';
import { UserData } from './userdata.js';

export { DataDirLockedError };
export type { StoreLog };

export const DB_FILE = 'sks5.db';
/** Dirty counters reach disk at least this often (the crash-loss bound is one interval). */
export const FLUSH_INTERVAL_MS = 500;
/** Bans expire, stale windows and faded scores are dropped, every this many ms. */
export const SWEEP_INTERVAL_MS = 5000;

export interface StateStoreOptions {
  config: () => Config;
  clock: Clock;
  events: EventBus;
  log: StoreLog;
  /** Overrides `[persistence] data_dir` (e.g. from the CLI). */
  dataDir?: string;
  /** Tests may shorten it; values above FLUSH_INTERVAL_MS are clamped to it. */
  flushIntervalMs?: number;
  /** `[server] workers`: the primary process (this pid) holds the data directory's lock for its workers. */
  lockHeldBy?: number | undefined;
  /** Start the flush and sweep timers (default true; unit tests call flush()/sweep() by hand). */
  timers?: boolean;
}

export interface StateStore {
  readonly dataDir: string;
  readonly bans: BanList;
  readonly reputation: Reputation;
  readonly quotas: QuotaLedger;
  readonly userdata: UserData;
  /** False when running memory-only (unwritable dir, corrupt file, or persistence disabled). */
  readonly persistenceAvailable: boolean;
  /** Why persistence is unavailable, for `show status` and the API. */
  readonly degradedReason: string | undefined;
  /** Usage and limits of one user, in the API's wire shape (limits 0 when only a name is given). */
  usage(user: EffectiveUser | string): QuotaUsage;
  /** Admin quota reset (API); written to disk at once. */
  resetQuota(username: string, scope?: QuotaScope): void;
  /** Write every pending change now, in one transaction. */
  flush(): void;
  /** Committed and failed flushes since start (sks5_persistence_state_flush_total / _errors_total). */
  flushStats(): { flushes: number; errors: number };
  /** Expire bans (emitting ban.expired), drop stale failure windows and faded reputation. */
  sweep(): void;
  /** Flush, stop timers, close the database and release the lock. Idempotent. */
  close(): void;
}

/** `[persistence] data_dir`, else SKS5_DATA_DIR, else ./data. */
export function resolveDataDir(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(config.persistence.data_dir ?? env['SKS5_DATA_DIR'] ?? './data');
}

interface Tables { bans: BanTable; quotas: QuotaTable; reputation: ReputationTable }
interface Loaded { bans: BanSnapshot; reputation: ReputationRecord[]; quotas: UsageRecord[] }
/** A usable database: its lock, its write queue, and (when state persistence is on) its tables and contents. */
interface Disk { db: Db; lock: DataDirLock; queue: WriteQueue; state: { tables: Tables; loaded: Loaded } | undefined }

function openDisk(dir: string, withState: boolean, now: number, log: StoreLog, lockHeldBy?: number): Disk {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = acquireDataDirLock(dir, process.pid, lockHeldBy);
  let db: Db | undefined;
  try {
    db = openSqlite(join(dir, DB_FILE));
    const queue = new WriteQueue(db, log);
    if (!withState) return { db, lock, queue, state: undefined };
    const tables = { bans: new BanTable(db, queue), quotas: new QuotaTable(db, queue), reputation: new ReputationTable(db, queue) };
    // Loading reads every table once: damage the quick check missed surfaces here.
    const loaded = { bans: tables.bans.load(now), reputation: tables.reputation.load(), quotas: tables.quotas.load() };
    return { db, lock, queue, state: { tables, loaded } };
  } catch (err) {
    try { db?.close(); } catch { /* already unusable */ }
    lock.release();
    throw err;
  }
}

export function openStateStore(opts: StateStoreOptions): StateStore {
  const config = opts.config;
  const p = config().persistence;
  const dataDir = opts.dataDir !== undefined ? resolve(opts.dataDir) : resolveDataDir(config());
  const wanted = p.state.enabled || p.userdata.enabled;

  let disk: Disk | undefined;
  let degradedReason: string | undefined = wanted ? undefined : 'persistence disabled in config';
  if (wanted) {
    try {
      disk = openDisk(dataDir, p.state.enabled, opts.clock.now(), opts.log, opts.lockHeldBy);
    } catch (err) {
      if (err instanceof DataDirLockedError) throw err;
      degradedReason = (err as Error).message;
      opts.log.warn(`persistence unavailable, running in memory only (bans, quotas and history will not survive a restart): ${dataDir}: ${degradedReason}`);
    }
  }
  const db = disk?.db;
  const queue = disk?.queue;
  const t = disk?.state?.tables;
  const loaded = disk?.state?.loaded;

  const bans = new BanList({
    config, clock: opts.clock, events: opts.events,
    ...(t && loaded ? { persist: t.bans.persistence(), initial: loaded.bans } : {}),
  });
  const reputation = new Reputation({
    config, clock: opts.clock,
    ...(t && loaded ? { persist: t.reputation.persistence(() => config().persistence.state.ip_reputation_min_score), initial: loaded.reputation } : {}),
  });
  const quotas = new QuotaLedger({
    clock: opts.clock, events: opts.events,
    ...(t && loaded ? { persist: t.quotas.persistence(), initial: loaded.quotas } : {}),
  });
  const userdata = new UserData({ db: p.userdata.enabled ? db : undefined, config, clock: opts.clock, log: opts.log });

  let closed = false;
  const flush = (): void => {
    if (closed || !queue) return;
    t?.quotas.collect(quotas);
    queue.flush();
  };
  const sweep = (): void => {
    bans.sweep();
    reputation.sweep();
  };

  const timers: NodeJS.Timeout[] = [];
  if (opts.timers !== false) {
    const every = Math.min(FLUSH_INTERVAL_MS, Math.max(10, opts.flushIntervalMs ?? FLUSH_INTERVAL_MS));
    // unref: pending timers must not keep a finished process alive; close() flushes anyway.
    if (queue) timers.push(setInterval(flush, every).unref());
    timers.push(setInterval(sweep, SWEEP_INTERVAL_MS).unref());
  }

  return {
    dataDir,
    bans,
    reputation,
    quotas,
    userdata,
    persistenceAvailable: db !== undefined,
    degradedReason,
    usage: (user) => (typeof user === 'string' ? quotas.usage(user) : quotas.usage(user.username, user.quotas)),
    resetQuota(username, scope = 'all'): void {
      quotas.reset(username, scope);
      flush();
    },
    flush,
    flushStats: () => ({ flushes: queue?.flushes ?? 0, errors: queue?.flushErrors ?? 0 }),
    sweep,
    close(): void {
      if (closed) return;
      for (const t of timers) clearInterval(t);
      flush();
      closed = true;
      try {
        db?.close();
      } catch (err) {
        opts.log.warn(`closing the state database: ${(err as Error).message}`);
      }
      disk?.lock.release();
    },
  };
}
