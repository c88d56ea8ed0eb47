/**
 * The live feed behind SSE and WebSocket: bus events as they happen, plus the original's status
 * snapshot every 2 s. One bus subscription and one timer serve every client; each client's sink
 * decides whether it can keep up (returns false to be dropped), so a slow reader costs nothing
 * beyond its own socket buffer.
 *
 * In a cluster the feed also carries the other nodes' events (src/cluster/shared-events.ts) and
 * every event names its `node`, this node's own included; without a cluster there is no `node`
 * field, as in the original.
 */
import type { Clock } from '../clock.js';
import type { EventBus, Sks5Event } from '../observe/events.js';
import type { ManagementPort } from './port.js';

/** The original's recent_events length. */
export const RECENT_EVENTS = 50;
/** Lists in a snapshot are cut here so a 100k-entry ban list cannot make every tick megabytes. */
export const SNAPSHOT_LIST_CAP = 500;

/** A bus event, or (clustered) an event naming the node it happened on. */
export interface LiveEvent { readonly type: string; readonly timestamp: string; readonly node?: string; readonly data: unknown }
export type LiveMessage = { kind: 'status'; payload: Record<string, unknown> } | { kind: 'event'; event: LiveEvent };

/** The cluster as the feed sees it: this node's name and the other nodes' events. */
export interface LiveCluster {
  readonly node: string;
  onRemoteEvent(listener: (e: LiveEvent) => void): () => void;
  /** The feed has clients (true) or none left (false): the other nodes send events only while some node has. */
  watching?(on: boolean): void;
}
/** Returns false when the client cannot keep up and must be dropped. */
export type LiveSink = (message: LiveMessage) => boolean;

export class LiveFeed {
  readonly #port: ManagementPort;
  readonly #events: EventBus;
  readonly #intervalMs: number;
  readonly #recent: LiveEvent[] = [];
  readonly #sinks = new Map<LiveSink, () => void>();
  #timer: NodeJS.Timeout | undefined;
  readonly #unsubscribe: Array<() => void> = [];
  readonly #cluster: LiveCluster | undefined;

  constructor(opts: { port: ManagementPort; events: EventBus; clock: Clock; intervalMs: number; cluster?: LiveCluster | undefined }) {
    this.#port = opts.port;
    this.#events = opts.events;
    this.#intervalMs = opts.intervalMs;
    const cluster = opts.cluster;
    this.#cluster = cluster;
    this.#unsubscribe.push(this.#events.onAny(cluster ? (e) => this.#event(new LocalNodeEvent(e, cluster.node)) : (e) => this.#event(e)));
    if (cluster) this.#unsubscribe.push(cluster.onRemoteEvent((e) => this.#event(e)));
  }

  #event(event: LiveEvent): void {
    this.#recent.push(event);
    if (this.#recent.length > RECENT_EVENTS) this.#recent.shift();
    this.#broadcast({ kind: 'event', event });
  }

  get clients(): number {
    return this.#sinks.size;
  }

  /** `onDrop` runs when the sink reports it cannot keep up; the caller then closes its socket. */
  subscribe(sink: LiveSink, onDrop: () => void): () => void {
    this.#sinks.set(sink, onDrop);
    if (this.#sinks.size === 1) this.#cluster?.watching?.(true);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
      this.#timer.unref();
    }
    return () => this.#remove(sink);
  }

  snapshot(): Record<string, unknown> {
    const port = this.#port;
    const status = port.status();
    const bans = port.bans();
    const users = port.users();
    const conns = port.connections();
    const sessions = port.sessions();
    return {
      type: 'status',
      active_connections: status.active_connections,
      banned_count: bans.length,
      total_users: status.total_users,
      maintenance: status.maintenance,
      uptime_secs: status.uptime_secs,
      users: users.slice(0, SNAPSHOT_LIST_CAP).map((u) => ({ username: u.username, allow_shell: u.allow_shell })),
      bans: bans.slice(0, SNAPSHOT_LIST_CAP).map((b) => ({ ip: b.ip, expires_at: `${b.remaining_secs}s` })),
      connections: Object.fromEntries(conns.user_connections.slice(0, SNAPSHOT_LIST_CAP).map((c) => [c.username, c.connections])),
      quotas: port.quotas().slice(0, SNAPSHOT_LIST_CAP),
      groups: port.groups().slice(0, SNAPSHOT_LIST_CAP),
      sessions: { total_active: sessions.length, sessions: sessions.slice(0, SNAPSHOT_LIST_CAP) },
      recent_events: [...this.#recent],
      // Not in the original's snapshot: only with [cluster], for the dashboard's node list.
      ...clusterOf(port),
    };
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const onDrop of [...this.#sinks.values()]) onDrop();
    this.#sinks.clear();
  }

  #tick(): void {
    let payload: Record<string, unknown>;
    try {
      payload = this.snapshot();
    } catch {
      return; // the server state is briefly unavailable (reload); the next tick will have it
    }
    this.#broadcast({ kind: 'status', payload });
  }

  #broadcast(message: LiveMessage): void {
    for (const [sink, onDrop] of [...this.#sinks]) {
      let keep = false;
      try {
        keep = sink(message);
      } catch {
        keep = false;
      }
      if (!keep) {
        this.#remove(sink);
        onDrop();
      }
    }
  }

  #remove(sink: LiveSink): void {
    if (this.#sinks.delete(sink) && this.#sinks.size === 0) this.#cluster?.watching?.(false);
    if (this.#sinks.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

function clusterOf(port: ManagementPort): { cluster?: ReturnType<NonNullable<ManagementPort['cluster']>> } {
  const c = port.cluster?.();
  return c?.enabled ? { cluster: c } : {};
}

/**
 * One of this node's bus events with its node name. The bus formats the time only when someone
 * reads it; this keeps that, since every event passes here while the API is on.
 */
class LocalNodeEvent implements LiveEvent {
  constructor(readonly event: Sks5Event, readonly node: string) {}
  get type(): string { return this.event.type; }
  get timestamp(): string { return this.event.timestamp; }
  get data(): unknown { return this.event.data; }
  toJSON(): { type: string; timestamp: string; node: string; data: unknown } {
    return { type: this.event.type, timestamp: this.event.timestamp, node: this.node, data: this.event.data };
  }
}
