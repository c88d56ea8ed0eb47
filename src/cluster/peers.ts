/**
 * The other nodes as this node last heard them: a heartbeat every HEARTBEAT_MS carries a node's
 * version, start time, session count and open tunnels per user; a node not heard from for
 * HEARTBEAT_TIMEOUT_MS is gone (killed, cut off), and its tunnels stop counting against anyone's
 * max_connections and its sessions leave every node's /api/sessions. Also the users' recent tunnel openings on other nodes, so per-user connection
 * rates hold across the cluster. Liveness uses the monotonic clock of this node only.
 */
import type { Clock } from '../clock.js';
import type { LimitsPeers } from '../policy/limits.js';
import { CappedMap } from '../policy/rate.js';
import type { SessionSummary } from './messages.js';
import { StampLog } from './stamp-log.js';

export const HEARTBEAT_MS = 1000;
export const HEARTBEAT_TIMEOUT_MS = 5000;
const HOUR_MS = 3_600_000;
/** Openings kept per user: enough for any per-second/minute limit; an hourly limit above it counts at most this many. */
const MAX_OPENINGS_PER_USER = 4096;

export interface PeerView {
  node: string;
  version: string;
  startedAt: number;
  /** The peer's own clock at its last heartbeat. */
  lastHeartbeat: number;
  sessions: number;
  tunnels: number;
  /** How long ago this node last heard it, on this node's monotonic clock (no clock skew). */
  heardMsAgo: number;
}

interface Peer extends Omit<PeerView, 'heardMsAgo'> {
  seenAt: number;
  perUser: Map<string, number>;
  /** Its tunnels and authenticated connections per user, as last announced. */
  sessionList: readonly SessionSummary[];
  connsPerUser: Readonly<Record<string, number>>;
}

/** A tunnel of another live node. */
export interface RemoteSession extends SessionSummary { node: string }

export class Peers implements LimitsPeers {
  readonly #clock: Clock;
  readonly #peers = new Map<string, Peer>();
  readonly #openings: CappedMap<string, StampLog>;
  #outgoing = new Map<string, number[]>();

  constructor(clock: Clock, maxUsers: () => number) {
    this.#clock = clock;
    this.#openings = new CappedMap(maxUsers);
  }

  heartbeat(node: string, hb: { version: string; startedAt: number; at: number; sessions: number; perUser: Record<string, number> }): void {
    const perUser = new Map(Object.entries(hb.perUser));
    const known = this.#peers.get(node);
    this.#peers.set(node, {
      node, version: hb.version, startedAt: hb.startedAt, lastHeartbeat: hb.at, sessions: hb.sessions,
      tunnels: sum(perUser), perUser, seenAt: this.#clock.monotonic(),
      sessionList: known?.sessionList ?? [], connsPerUser: known?.connsPerUser ?? {},
    });
  }

  /** A change of a live peer's open tunnels between heartbeats. */
  tunnelsChanged(node: string, perUser: Record<string, number>): void {
    const p = this.#peers.get(node);
    if (!p) return; // unknown until its first heartbeat (which carries the same counts)
    p.perUser = new Map(Object.entries(perUser));
    p.tunnels = sum(p.perUser);
  }

  /** A live peer's session list (with its heartbeat or when its tunnels change); replaces the last one. */
  sessionsChanged(node: string, sessions: readonly SessionSummary[], connsPerUser: Record<string, number>): void {
    const p = this.#peers.get(node);
    if (!p) return; // its heartbeat comes first in the same envelope
    p.sessionList = sessions;
    p.connsPerUser = connsPerUser;
  }

  /** The tunnels of every live peer, by node. */
  remoteSessions(): RemoteSession[] {
    this.prune();
    const out: RemoteSession[] = [];
    for (const p of this.#sorted()) for (const s of p.sessionList) out.push({ ...s, node: p.node });
    return out;
  }

  /** Authenticated client connections per user of every live peer. */
  remoteConnections(): Array<{ node: string; username: string; connections: number }> {
    this.prune();
    const out: Array<{ node: string; username: string; connections: number }> = [];
    for (const p of this.#sorted()) for (const [username, connections] of Object.entries(p.connsPerUser)) out.push({ node: p.node, username, connections });
    return out;
  }

  #sorted(): Peer[] {
    return [...this.#peers.values()].sort((a, b) => a.node.localeCompare(b.node));
  }

  remoteOpenings(username: string, at: readonly number[]): void {
    const log = this.#openings.get(username) ?? new StampLog(MAX_OPENINGS_PER_USER);
    log.add(at, this.#clock.now() - HOUR_MS);
    this.#openings.set(username, log);
  }

  /** Live peers, by name. */
  list(): PeerView[] {
    this.prune();
    const now = this.#clock.monotonic();
    return this.#sorted()
      .map(({ node, version, startedAt, lastHeartbeat, sessions, tunnels, seenAt }) => ({ node, version, startedAt, lastHeartbeat, sessions, tunnels, heardMsAgo: Math.max(0, Math.round(now - seenAt)) }));
  }

  /** Forget peers past the heartbeat timeout. */
  prune(): void {
    const now = this.#clock.monotonic();
    for (const [name, p] of [...this.#peers]) if (now - p.seenAt > HEARTBEAT_TIMEOUT_MS) this.#peers.delete(name);
  }

  /**
   * Tunnels and authenticated connections of the live peers whose name starts with `prefix` (the
   * other workers of this machine: `<node_name>/w`), for the machine-wide server limits.
   */
  machineTotals(prefix: string): { tunnels: number; connections: number } {
    const now = this.#clock.monotonic();
    let tunnels = 0;
    let connections = 0;
    for (const p of this.#peers.values()) {
      if (now - p.seenAt > HEARTBEAT_TIMEOUT_MS || !p.node.startsWith(prefix)) continue;
      tunnels += p.tunnels;
      for (const n of Object.values(p.connsPerUser)) connections += n;
    }
    return { tunnels, connections };
  }

  tunnels(username: string): number {
    const now = this.#clock.monotonic();
    let n = 0;
    for (const p of this.#peers.values()) if (now - p.seenAt <= HEARTBEAT_TIMEOUT_MS) n += p.perUser.get(username) ?? 0;
    return n;
  }

  openingsWithin(username: string, now: number, ms: number): number {
    return this.#openings.get(username)?.countIn(now - ms, now) ?? 0;
  }

  /** For tests: the openings kept for a user, oldest first. */
  openings(username: string): number[] {
    return this.#openings.get(username)?.toArray() ?? [];
  }

  opened(username: string, at: number): void {
    const list = this.#outgoing.get(username) ?? [];
    if (list.length < 1000) list.push(at);
    this.#outgoing.set(username, list);
  }

  /** This node's openings since the last call, to announce. */
  takeOpenings(): Array<[string, number[]]> {
    const out = [...this.#outgoing];
    this.#outgoing = new Map();
    return out;
  }
}

function sum(m: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}
