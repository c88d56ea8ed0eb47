/**
 * This instance as a member of a cluster: the Redis link, the state sync and its timers, and the
 * status health checks and metrics read. Created only when `[cluster] redis_url` is set; without
 * it nothing here runs and the policy objects have no replica.
 */
import { hostname } from 'node:os';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { BanList } from '../policy/ban.js';
import type { Reputation } from '../policy/reputation.js';
import type { QuotaLedger } from '../policy/quota.js';
import { QuotaSync } from './quota-sync.js';
import type { Limits } from '../policy/limits.js';
import type { Admission } from '../policy/admission.js';
import type { EventBus } from '../observe/events.js';
import type { UserData } from '../store/userdata.js';
import { UserDataSync } from './user-data-sync.js';
import { EVENTS_PER_MESSAGE, EventShare, MAX_EVENTS_PER_FLUSH, type NodeEvent } from './shared-events.js';
import { IpOpenings } from './ip-openings.js';
import { HEARTBEAT_MS, Peers, type PeerView, type RemoteSession } from './peers.js';
import { sessionsSignature, type SharedSessions } from './session-summary.js';
import { chunkChanges, encodeEnvelope, type StateChange } from './messages.js';
import { VERSION } from '../version.js';
import { clusterKeys } from './keys.js';
import { openRedisLink, safeReason } from './redis-link.js';
import type { StoreLink, StoreLinkOptions } from './store.js';
import { FLUSH_MS, StateSync, type ClusterOperation, type SyncStats } from './state-sync.js';
import { FingerprintSync, type FingerprintReplicaStore } from './fingerprint-sync.js';

/** How often bans are compared with Redis in full, besides the live channel. */
export const BAN_REFRESH_MS = 10_000;
/** How long start-up waits for the first merge before serving on local state. */
export const START_SYNC_TIMEOUT_MS = 3000;

export interface ClusterLog {
  info(obj: object, msg: string): void;
  warn(obj: object | string, msg?: string): void;
}

export interface ClusterDeps {
  config: () => Config;
  clock: Clock;
  bans: BanList;
  reputation: Reputation;
  quotas: QuotaLedger;
  limits: Limits;
  /** Pre-auth admission, for the per-IP connection rate counted cluster-wide (optional in tests). */
  admission?: Admission;
  /** Sessions (client connections) open on this node, for the heartbeat. */
  sessions: () => number;
  /** This node's tunnels and connections per user, as the other nodes list them. */
  sharedSessions: () => SharedSessions;
  /** This node's event bus, whose events the other nodes' live feeds carry (optional in tests). */
  events?: EventBus;
  /** Shell history, bookmarks, aliases and last login, shared through the store (optional in tests). */
  userdata?: UserData;
  /** The client fingerprint store (require_approved_fingerprint), shared when present. */
  fingerprints?: FingerprintReplicaStore | undefined;
  log: ClusterLog;
  /**
   * The store to share through; default Redis at `[cluster] redis_url`. `[server] workers` without
   * Redis passes the primary process's store (worker-store.ts).
   */
  openStore?: (opts: StoreLinkOptions) => StoreLink;
  /** This node's name; default defaultNodeName(config). A worker is `<name>/w<index>`. */
  nodeName?: string;
  /**
   * `[server] workers`: the machine's workers are the nodes named `<base>/w<i>`; the server-wide
   * limits (limits.max_connections, limits.max_new_connections_per_*) then hold for the machine.
   */
  machine?: { base: string; workers: number } | undefined;
}

export type ClusterState = 'connecting' | 'connected' | 'degraded';

export interface ClusterStatus {
  node: string;
  redis: string;
  state: ClusterState;
  /** Why the node is degraded (no credentials in it). */
  reason: string | undefined;
  since: number;
  stats: Readonly<SyncStats>;
}

export interface ClusterNode {
  readonly node: string;
  status(): ClusterStatus;
  /** The other live nodes, as their heartbeats said. */
  peers(): PeerView[];
  /** The tunnels of the other live nodes, from their last announcement (no Redis round trip). */
  remoteSessions(): RemoteSession[];
  /** Authenticated client connections per user on the other live nodes. */
  remoteConnections(): Array<{ node: string; username: string; connections: number }>;
  /** Send an operator's action to every other node (no delivery guarantee while Redis is away). */
  relay(op: ClusterOperation): void;
  /** Where actions relayed by other nodes are applied (the management port registers it). */
  onOperation(apply: (op: ClusterOperation) => void): void;
  /** The other nodes' events as they arrive (the live feed subscribes); returns the unsubscribe. */
  onRemoteEvent(listener: (e: NodeEvent) => void): () => void;
  /** Whether this node's live feed has clients: the other nodes send their events only while some node does. */
  watching(on: boolean): void;
  close(): Promise<void>;
}

/** `[cluster] node_name`, else host name and the configured SSH port (the pid when that port is 0). */
export function defaultNodeName(config: Config, host = hostname(), pid = process.pid): string {
  if (config.cluster.node_name) return config.cluster.node_name;
  const port = Number(config.server.ssh_listen.slice(config.server.ssh_listen.lastIndexOf(':') + 1));
  return port === 0 ? `${host}:pid${pid}` : `${host}:${port}`;
}

/**
 * Connect and merge. Resolves once the first merge is done or START_SYNC_TIMEOUT_MS passed (then
 * the node serves on its local state, degraded, and merges when Redis answers).
 */
export async function startCluster(deps: ClusterDeps): Promise<ClusterNode> {
  const cfg = deps.config();
  const url = cfg.cluster.redis_url;
  const open = deps.openStore ?? (url ? (o: StoreLinkOptions) => openRedisLink({ url, ...o }) : undefined);
  if (!open) throw new Error('startCluster needs [cluster] redis_url or a store');
  const node = deps.nodeName ?? defaultNodeName(cfg);
  const keys = clusterKeys(cfg.cluster.key_prefix);
  const peers = new Peers(deps.clock, () => deps.config().security.rate_limit_max_users);
  const ipOpenings = new IpOpenings(deps.clock, () => deps.config().security.rate_limit_max_ips);
  const startedAt = deps.clock.now();
  let applyOperation: (op: ClusterOperation) => void = () => undefined;
  const shared = new EventShare({
    clock: deps.clock, bus: deps.events, up: () => link.up,
    publish: (changes) => { for (const chunk of chunkChanges(changes, EVENTS_PER_MESSAGE)) link.client.publish(keys.stateChannel, encodeEnvelope(node, chunk)).catch(() => undefined); },
  });
  const userdata = deps.userdata;
  const userSync = userdata
    ? new UserDataSync({ node, keys, config: deps.config, clock: deps.clock, store: () => (link.up ? link.client : undefined), knownUsers: () => userdata.knownUsers(), warn: (m) => deps.log.warn(m) })
    : undefined;
  const fpSync = deps.fingerprints ? new FingerprintSync({ node, sender: node, keys, clock: deps.clock, store: deps.fingerprints, warn: (m) => deps.log.warn(m) }) : undefined;
  const quotaSync = new QuotaSync({ node, keys, config: deps.config, clock: deps.clock, ledger: deps.quotas });
  const sync = new StateSync({
    node, keys, config: deps.config, clock: deps.clock, bans: deps.bans, reputation: deps.reputation,
    warn: (m) => deps.log.warn(m), onQuota: (c) => quotaSync.receive(c),
    onOperation: (op) => applyOperation(op),
    onEvent: (from, c) => shared.receive(from, c),
    onFingerprint: (c) => fpSync?.receive(c),
    onPeer: (from, c) => {
      if (c.t === 'hb') peers.heartbeat(from, { version: c.ver, startedAt: c.st, at: c.at, sessions: c.ss, perUser: c.c });
      else if (c.t === 'conns') peers.tunnelsChanged(from, c.c);
      else if (c.t === 'sess') peers.sessionsChanged(from, c.s, c.cu);
      else if (c.t === 'iprate') ipOpenings.remote(c.ip, c.at);
      else peers.remoteOpenings(c.u, c.at);
    },
  });
  let lastTunnels = '{}';
  let lastSessions = '';
  const tunnelsNow = (): Record<string, number> => Object.fromEntries(deps.limits.activeByUser());
  /** Heartbeat (every HEARTBEAT_MS) or, between them, what changed: tunnel counts and openings. */
  const announce = (heartbeat: boolean): void => {
    if (!link.up) return;
    const changes: StateChange[] = [];
    const tunnels = tunnelsNow();
    const text = JSON.stringify(tunnels);
    if (heartbeat) changes.push({ t: 'hb', ver: VERSION, st: startedAt, at: deps.clock.now(), ss: deps.sessions(), c: tunnels });
    else if (text !== lastTunnels) changes.push({ t: 'conns', c: tunnels });
    lastTunnels = text;
    // The list goes with every heartbeat (byte counters, and a peer that joined late) and at once
    // when a tunnel opens or closes; it comes after the heartbeat that makes the sender known.
    const shared = deps.sharedSessions();
    const signature = sessionsSignature(shared);
    if (heartbeat || signature !== lastSessions) changes.push({ t: 'sess', s: shared.sessions, cu: shared.perUser });
    lastSessions = signature;
    for (const [u, at] of peers.takeOpenings()) changes.push({ t: 'urate', u, at });
    for (const [ip, at] of ipOpenings.take()) changes.push({ t: 'iprate', ip, at });
    if (changes.length === 0) return;
    for (const chunk of chunkChanges(changes)) link.client.publish(keys.stateChannel, encodeEnvelope(node, chunk)).catch(() => undefined);
  };
  let state: ClusterState = 'connecting';
  let reason: string | undefined;
  let since = deps.clock.now();
  let closed = false;
  let firstSync: () => void = () => undefined;
  const synced = new Promise<void>((r) => { firstSync = r; });
  let resyncing: Promise<void> = Promise.resolve();

  const degrade = (why: string): void => {
    if (state === 'degraded' && reason === why) return;
    const was = state;
    state = 'degraded';
    reason = why;
    since = deps.clock.now();
    sync.detach();
    quotaSync.detach();
    fpSync?.detach();
    if (was !== 'degraded') deps.log.warn({ node, redis: link.target, reason: why }, `cluster: Redis unavailable (${why}); serving on this node's state, changes are merged when it is back`);
  };

  const link: StoreLink = open({
    channel: keys.stateChannel,
    onMessage: (text) => sync.receive(text),
    onDown: (why) => { if (!closed) degrade(why); },
    onUp: () => {
      resyncing = resyncing.then(async () => {
        if (closed || !link.up) return;
        try {
          await sync.resync(link.client);
          await quotaSync.resync(link.client);
          await fpSync?.resync(link.client);
          await userSync?.resync(link.client);
          const wasDegraded = state === 'degraded';
          state = 'connected';
          reason = undefined;
          since = deps.clock.now();
          deps.log.info({ node, redis: link.target, merged: wasDegraded }, wasDegraded ? 'cluster: Redis is back; state merged' : 'cluster: connected; state merged');
          firstSync();
        } catch (err) {
          degrade(`merge failed: ${safeReason(err)}`);
        }
      });
    },
  });
  deps.bans.replicateTo(sync.banReplica());
  deps.limits.joinCluster(peers);
  deps.admission?.joinCluster(ipOpenings);
  if (deps.machine) {
    const prefix = `${deps.machine.base}/w`;
    const machine = { workers: deps.machine.workers, tunnels: () => peers.machineTotals(prefix).tunnels, connections: () => peers.machineTotals(prefix).connections };
    deps.limits.shareMachine(machine);
    deps.admission?.shareMachine(machine);
  }
  deps.reputation.replicateTo(sync.reputationReplica());
  userdata?.joinCluster(userSync);

  // unref: the timers must not keep a stopping process alive; close() flushes.
  const flushTimer = setInterval(() => { void sync.flush(); void quotaSync.flush(); void fpSync?.flush(); announce(false); shared.flush(); }, FLUSH_MS).unref();
  const heartbeatTimer = setInterval(() => { peers.prune(); announce(true); shared.heartbeat(); }, HEARTBEAT_MS).unref();
  const refreshTimer = setInterval(() => {
    sync.sweep();
    ipOpenings.sweep();
    const dropped = shared.takeDropped();
    if (dropped > 0) deps.log.warn({ node, dropped }, `cluster: ${dropped} events not sent to the other nodes' live feeds (too large, or over ${MAX_EVENTS_PER_FLUSH} per ${FLUSH_MS} ms)`);
    sync.refreshBans().catch((err: unknown) => deps.log.warn(`cluster: ban refresh failed: ${safeReason(err)}`));
    fpSync?.refresh().catch((err: unknown) => deps.log.warn(`cluster: fingerprint refresh failed: ${safeReason(err)}`));
  }, BAN_REFRESH_MS).unref();

  let timeout: NodeJS.Timeout | undefined;
  await Promise.race([synced, new Promise<void>((r) => { timeout = setTimeout(r, START_SYNC_TIMEOUT_MS); })]);
  clearTimeout(timeout);
  if (state === 'connecting') degrade('no answer from Redis at start');

  return {
    node,
    peers: () => peers.list(),
    remoteSessions: () => peers.remoteSessions(),
    remoteConnections: () => peers.remoteConnections(),
    relay(op) {
      if (!link.up) { deps.log.warn({ node, op: op.k }, `cluster: Redis unavailable; ${op.k} applies to this node only`); return; }
      link.client.publish(keys.stateChannel, encodeEnvelope(node, [op])).catch((err: unknown) => deps.log.warn(`cluster: ${op.k} not relayed: ${safeReason(err)}`));
    },
    onOperation(apply) { applyOperation = apply; },
    onRemoteEvent: (listener) => shared.onRemoteEvent(listener),
    watching: (on) => shared.watching(on),
    status: () => ({ node, redis: link.target, state, reason, since, stats: { ...sync.stats, published: sync.stats.published + quotaSync.published + (fpSync?.published ?? 0) } }),
    async close(): Promise<void> {
      if (closed) return;
      clearInterval(flushTimer);
      clearInterval(refreshTimer);
      clearInterval(heartbeatTimer);
      shared.close();
      deps.userdata?.joinCluster(undefined);
      deps.limits.joinCluster(undefined);
      deps.admission?.joinCluster(undefined);
      deps.limits.shareMachine(undefined);
      deps.admission?.shareMachine(undefined);
      await sync.flush().catch(() => undefined);
      await quotaSync.flush().catch(() => undefined);
      await fpSync?.flush().catch(() => undefined);
      fpSync?.close();
      closed = true;
      deps.quotas.joinCluster(undefined);
      deps.bans.replicateTo(undefined);
      deps.reputation.replicateTo(undefined);
      await link.close();
    },
  };
}
