/**
 * The live registry: every transport connection (SSH or SOCKS5) and the tunnels it carries.
 * Kick, broadcast, the API and the dashboard read and act on it; nothing else keeps its own list.
 */
import type { Door } from '../observe/events.js';

export interface TunnelRecord {
  readonly sessionId: string;
  readonly username: string;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly resolvedIp: string;
  readonly startedAt: number;
  bytesUp: number;
  bytesDown: number;
  close(reason: string): void;
}

export interface ConnectionRecord {
  readonly connId: string;
  readonly door: Door;
  readonly sourceIp: string;
  readonly sourcePort: number;
  readonly startedAt: number;
  username?: string;
  authMethod?: string;
  keyFingerprint?: string;
  clientVersion?: string;
  clientFingerprint?: string;
  clientHassh?: string;
  readonly tunnels: Map<string, TunnelRecord>;
  /** Bytes (both ways) of this connection's tunnels that have already closed (session.ended's total). */
  closedTunnelBytes?: number;
  /** Close the whole transport connection (kick, maintenance, shutdown). */
  close(reason: string): void;
  /** Deliver a message to the user if the door can show one (SSH shells); returns true if shown. */
  notify?: (message: string) => boolean;
}

export class SessionRegistry {
  #conns = new Map<string, ConnectionRecord>();
  #seq = 0;
  readonly #index: number;
  readonly #stride: number;

  /**
   * With `[server] workers`, worker `index` (1-based) of `count` numbers its sessions index,
   * index + count, ... so an id names one session on the whole machine; one process: s1, s2, ...
   */
  constructor(worker?: { index: number; count: number }) {
    this.#index = worker?.index ?? 1;
    this.#stride = worker?.count ?? 1;
  }

  nextSessionId(): string {
    this.#seq += 1;
    return `s${(this.#seq - 1) * this.#stride + this.#index}`;
  }

  add(conn: ConnectionRecord): () => void {
    this.#conns.set(conn.connId, conn);
    return () => { this.#conns.delete(conn.connId); };
  }

  get(connId: string): ConnectionRecord | undefined {
    return this.#conns.get(connId);
  }

  connections(): ConnectionRecord[] {
    return [...this.#conns.values()];
  }

  byUser(username: string): ConnectionRecord[] {
    return this.connections().filter((c) => c.username === username);
  }

  tunnels(): TunnelRecord[] {
    const out: TunnelRecord[] = [];
    for (const c of this.#conns.values()) for (const t of c.tunnels.values()) out.push(t);
    return out;
  }

  activeTunnelsOf(username: string): number {
    let n = 0;
    for (const c of this.#conns.values()) if (c.username === username) n += c.tunnels.size;
    return n;
  }

  /** Close every connection of `username`; returns how many were closed. */
  kick(username: string, reason: string): number {
    const conns = this.byUser(username);
    for (const c of conns) c.close(reason);
    return conns.length;
  }

  /** Show `message` on every connection that can display it; returns how many did. */
  broadcast(message: string, users?: readonly string[]): number {
    let n = 0;
    for (const c of this.#conns.values()) {
      if (users && users.length > 0 && (!c.username || !users.includes(c.username))) continue;
      if (c.notify?.(message)) n += 1;
    }
    return n;
  }

  closeAll(reason: string): void {
    for (const c of [...this.#conns.values()]) c.close(reason);
  }

  get size(): number {
    return this.#conns.size;
  }
}
