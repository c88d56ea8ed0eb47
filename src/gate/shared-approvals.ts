/**
 * `serve -redis URL`: this gate's fingerprint decisions shared with every gate (and sks5 node) on
 * the same Redis and key prefix, through the cluster's fingerprint sync (src/cluster/fingerprint-sync.ts)
 * on sks5's state channel. The gate keeps deciding from its own SQLite file; Redis only carries
 * decisions between files. The management commands use `syncOnce` after their change.
 *
 * The URL may hold a password: log lines name `redis://host:port` only (redisTarget, safeReason).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Clock } from '../clock.js';
import { FingerprintSync, FINGERPRINT_REFRESH_MS, type FingerprintReplicaStore } from '../cluster/fingerprint-sync.js';
import { clusterKeys } from '../cluster/keys.js';
import { decodeEnvelope } from '../cluster/messages.js';
import { START_SYNC_TIMEOUT_MS } from '../cluster/node.js';
import { openRedisLink, safeReason } from '../cluster/redis-link.js';
import type { StoreLink } from '../cluster/store.js';
import { FLUSH_MS } from '../cluster/state-sync.js';

/** sks5's `[cluster] key_prefix` default, so a gate and sks5 on one Redis share approvals unless told otherwise. */
export const DEFAULT_REDIS_PREFIX = 'sks5:';

/**
 * The name decisions made in one database file are stamped with: the host and a hash of the file's
 * path, the same for `serve` and the CLI on that file (so the CLI's push and the gate's are one version).
 */
export function gateNodeName(dbPath: string, host = hostname()): string {
  return `${host.slice(0, 100)}:sshgate:${createHash('sha256').update(resolve(dbPath)).digest('hex').slice(0, 8)}`;
}

export interface ShareOptions {
  readonly url: string;
  readonly prefix: string;
  readonly dbPath: string;
  readonly store: FingerprintReplicaStore;
  readonly clock: Clock;
  /** One finished log line without prefix. */
  readonly log: (line: string) => void;
}

export interface SharedApprovals {
  readonly target: string;
  readonly up: boolean;
  /** A fingerprint another process on this file (a worker) recorded for the first time. */
  announce(fp: string): void;
  close(): Promise<void>;
}

interface Wired { link: StoreLink; sync: FingerprintSync; synced: Promise<void> }

function wire(opts: ShareOptions, sender: string, onUp: (merged: boolean) => void, onDown: (reason: string) => void): Wired {
  const node = gateNodeName(opts.dbPath);
  const keys = clusterKeys(opts.prefix);
  const sync = new FingerprintSync({ node, sender, keys, clock: opts.clock, store: opts.store, warn: opts.log });
  let firstSync: () => void = () => undefined;
  const synced = new Promise<void>((r) => { firstSync = r; });
  let merges: Promise<void> = Promise.resolve();
  let merged = false;
  const link = openRedisLink({
    url: opts.url,
    channel: keys.stateChannel,
    onMessage: (text) => {
      const d = decodeEnvelope(text);
      if (!d.ok) { opts.log(`REDIS state message dropped: ${d.error}`); return; }
      if (d.envelope.node === sender) return;
      for (const c of d.envelope.changes) if (c.t === 'fp' || c.t === 'fp-seen') sync.receive(c);
    },
    onDown: (why) => { sync.detach(); onDown(why); },
    onUp: () => {
      merges = merges.then(async () => {
        if (!link.up) return;
        try {
          await sync.resync(link.client);
          onUp(merged);
          merged = true;
          firstSync();
        } catch (err) {
          sync.detach();
          onDown(`merge failed: ${safeReason(err)}`);
        }
      });
    },
  });
  return { link, sync, synced };
}

/** Connects (waiting at most START_SYNC_TIMEOUT_MS for the first merge), then keeps the file and Redis in step. */
export async function shareApprovals(opts: ShareOptions): Promise<SharedApprovals> {
  let down: string | undefined;
  const w = wire(opts, `${gateNodeName(opts.dbPath)}:serve:${process.pid}`,
    (again) => {
      opts.log(`REDIS ${w.link.target} ${again || down !== undefined ? 'back' : 'connected'}; fingerprint decisions merged`);
      down = undefined;
    },
    (why) => {
      if (down !== undefined) return;
      down = why;
      opts.log(`REDIS ${w.link.target} unavailable (${why}); serving on the local database, changes are merged when it is back`);
    });
  const flush = setInterval(() => { void w.sync.flush(); }, FLUSH_MS).unref();
  const refresh = setInterval(() => {
    w.sync.refresh().catch((err: unknown) => opts.log(`REDIS fingerprint refresh failed: ${safeReason(err)}`));
  }, FINGERPRINT_REFRESH_MS).unref();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([w.synced.then(() => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(true), START_SYNC_TIMEOUT_MS); })]);
  clearTimeout(timer);
  if (timedOut && down === undefined) {
    down = 'no answer from Redis at start';
    opts.log(`REDIS ${w.link.target} unavailable (${down}); serving on the local database, changes are merged when it is back`);
  }
  return {
    target: w.link.target,
    get up() { return w.link.up; },
    announce(fp) {
      try {
        const e = opts.store.get(fp);
        if (e) w.sync.announce(e);
      } catch { /* a busy database costs one announcement; the next sighting elsewhere repeats it */ }
    },
    async close(): Promise<void> {
      clearInterval(flush);
      clearInterval(refresh);
      await w.sync.flush().catch(() => undefined);
      w.sync.close();
      await w.link.close();
    },
  };
}

/**
 * One merge with Redis for a management command: pushes the decision just made (and any other this
 * file holds that Redis lacks), takes the others'. Resolves with the reason when Redis did not answer.
 */
export async function syncOnce(opts: ShareOptions, timeoutMs = START_SYNC_TIMEOUT_MS): Promise<string | undefined> {
  let reason: string | undefined;
  const w = wire(opts, `${gateNodeName(opts.dbPath)}:cli:${process.pid}`, () => { reason = undefined; }, (why) => { reason = why; });
  let timer: NodeJS.Timeout | undefined;
  const ok = await Promise.race([w.synced.then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), timeoutMs); })]);
  clearTimeout(timer);
  w.sync.close();
  await w.link.close();
  return ok ? undefined : (reason ?? `no answer within ${timeoutMs} ms`);
}
