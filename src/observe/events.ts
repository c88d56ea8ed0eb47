/**
 * One in-process event bus. Core code emits named events; logs, metrics, audit, webhooks,
 * alerting and the live API subscribe. Names are the original sks5's audit event types, so
 * webhook `events` filters written for it keep matching.
 */
export type Door = 'ssh' | 'socks5' | 'socks5-tls' | 'http' | 'http-tls';

export interface EventMap {
  'auth.success': { username: string; source_ip: string; method: string; protocol: Door; conn_id: string; key_fingerprint?: string };
  'auth.failure': { username: string; source_ip: string; method: string; protocol: Door; conn_id: string; reason: string };
  'connection.new': { source_ip: string; source_port: number; protocol: Door; conn_id: string };
  'connection.closed': { source_ip: string; protocol: Door; conn_id: string; username?: string; duration_ms: number };
  'proxy.start': { username: string; source_ip: string; target_host: string; target_port: number; resolved_ip: string; protocol: Door; conn_id: string; session_id: string };
  'proxy.complete': { username: string; source_ip: string; target_host: string; target_port: number; resolved_ip: string; protocol: Door; conn_id: string; session_id: string; bytes_up: number; bytes_down: number; duration_ms: number; reason?: string };
  /**
   * A tunnel refused by our own rules (ACL, anti-SSRF, account, limits): SKS5_DENY_* codes only.
   * `datagrams` (UDP ASSOCIATE): the refused datagrams this one event stands for, the association
   * reports a target and code at most every few seconds (socks/udp-refusals.ts); absent = 1.
   */
  'acl.deny': { username: string; source_ip: string; target_host: string; target_port: number; code: string; reason: string; protocol: Door; conn_id: string; datagrams?: number };
  /** A tunnel that policy allowed but that could not be connected (DNS, refused, timeout, upstream); `datagrams` as for acl.deny. */
  'connect.failed': { username: string; source_ip: string; target_host: string; target_port: number; code: string; reason: string; protocol: Door; conn_id: string; datagrams?: number };
  'connection.rejected': { source_ip: string; code: string; reason: string; protocol: Door; username?: string };
  'ban.created': { ip: string; duration_secs: number; reason: string };
  'ban.expired': { ip: string };
  'ban.removed': { ip: string; by: string };
  'quota.exceeded': { username: string; quota: string; used: number; limit: number };
  'rate_limit.exceeded': { source_ip: string; username?: string; limit: string };
  'session.authenticated': { username: string; source_ip: string; protocol: Door; conn_id: string; method: string };
  'session.ended': { username: string; source_ip: string; protocol: Door; conn_id: string; duration_ms: number; total_bytes: number };
  'config.reload': { success: boolean; users_count: number; error?: string };
  'maintenance.toggled': { enabled: boolean; source: string; message?: string };
  'alert.triggered': { alert: string; condition: string; threshold: number; value: number; username?: string };
  'fingerprint.seen': { fingerprint: string; hassh: string; source_ip: string; status: string; client_version: string };
}

export type EventName = keyof EventMap;

/** Every event name at run time (the cluster checks names arriving from other nodes against it). */
export const EVENT_NAMES = [
  'auth.success', 'auth.failure', 'connection.new', 'connection.closed', 'proxy.start', 'proxy.complete', 'acl.deny',
  'connect.failed', 'connection.rejected', 'ban.created', 'ban.expired', 'ban.removed', 'quota.exceeded',
  'rate_limit.exceeded', 'session.authenticated', 'session.ended', 'config.reload', 'maintenance.toggled',
  'alert.triggered', 'fingerprint.seen',
] as const satisfies readonly EventName[];
/** `true` only while the list names every event: an event added to EventMap alone fails to compile. */
export const EVENT_NAMES_COMPLETE: [Exclude<EventName, (typeof EVENT_NAMES)[number]>] extends [never] ? true : never = true;
export type Sks5Event<N extends EventName = EventName> = { [K in N]: { type: K; timestamp: string; data: EventMap[K] } }[N];

type Listener<N extends EventName> = (event: Sks5Event<N>) => void;

export class EventBus {
  #listeners = new Map<string, Set<(e: Sks5Event) => void>>();
  #any = new Set<(e: Sks5Event) => void>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  emit<N extends EventName>(type: N, data: EventMap[N]): void {
    const set = this.#listeners.get(type);
    if ((set === undefined || set.size === 0) && this.#any.size === 0) return;
    // The time is taken now but formatted only if a subscriber reads it (audit, webhooks, live
    // API): most events per tunnel only feed counters, and toISOString is the costly part.
    const event = new BusEvent(type, this.#now(), data) as unknown as Sks5Event;
    // A throwing subscriber must never break the connection that emitted the event.
    if (set) for (const l of set) safeCall(l, event);
    for (const l of this.#any) safeCall(l, event);
  }

  on<N extends EventName>(type: N, listener: Listener<N>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    const l = listener as (e: Sks5Event) => void;
    set.add(l);
    return () => set.delete(l);
  }

  onAny(listener: (e: Sks5Event) => void): () => void {
    this.#any.add(listener);
    return () => this.#any.delete(listener);
  }
}

/**
 * An emitted event. A class, not an object literal with a getter: six of these per tunnel, and a
 * literal would allocate a getter closure and a fresh object shape for each.
 */
class BusEvent {
  #iso: string | undefined;
  constructor(readonly type: EventName, readonly at: number, readonly data: unknown) {}
  get timestamp(): string {
    return (this.#iso ??= new Date(this.at).toISOString());
  }
  /** The same JSON as a plain `{type, timestamp, data}` (live API, anything that serialises events). */
  toJSON(): { type: EventName; timestamp: string; data: unknown } {
    return { type: this.type, timestamp: this.timestamp, data: this.data };
  }
}

/** When an event happened, in ms (no date formatting for the bus's own events). */
export function eventTime(e: Sks5Event): number {
  return e instanceof BusEvent ? e.at : Date.parse(e.timestamp);
}

function safeCall(l: (e: Sks5Event) => void, e: Sks5Event): void {
  try {
    l(e);
  } catch {
    /* subscriber errors are theirs to log */
  }
}
