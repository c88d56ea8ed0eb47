/**
 * The shell as the SSH layer's `ShellBackend` (src/ssh/session-channel.ts decides what a session
 * channel may do, then calls `shell()` or `exec()` with the accepted channel), plus the registry
 * of open shells that API broadcasts and kicks go through.
 *
 * The request shapes are declared here structurally instead of imported, so this module does not
 * depend on the SSH layer; the compiler checks the fit where the two are wired together.
 */
import type { Duplex, Writable } from 'node:stream';
import type { Clock } from '../clock.js';
import type { AuthedSession } from '../pipeline/types.js';
import type { ShellPort, ShellServerInfo, ShellSessionInfo } from './port.js';
import { ShellSession, type PtyInfo, type Timers } from './session.js';
import type { ShellSettings } from './settings.js';

/** What the SSH layer hands over with each accepted shell/exec channel. */
export interface ShellChannelRequest {
  readonly session: AuthedSession;
  readonly terminal: PtyInfo | undefined;
  onResize(listener: (t: PtyInfo) => void): void;
}

/** An accepted ssh2 session channel: a Duplex with a stderr side. */
export type ShellChannel = Duplex & { readonly stderr: Writable };

export interface ShellBackendDeps {
  readonly server: ShellServerInfo;
  readonly port: ShellPort;
  /** The settings of the current config; read once per session, so a reload affects new shells only. */
  readonly settings: () => ShellSettings;
  readonly clock: Clock;
  /**
   * Records this login and returns the one before it (ms); awaited before the shell starts, so
   * it may first read the user's data from the cluster.
   */
  readonly previousLogin?: ((session: AuthedSession) => number | null | undefined | Promise<number | null | undefined>) | undefined;
  readonly timers?: Timers | undefined;
}

export interface OpenShell {
  readonly username: string;
  readonly connId: string;
  notify(message: string): void;
  kick(message: string): void;
}

/** Open interactive shells, for `POST /api/broadcast` and `POST /api/kick/{user}`. */
export class ShellRegistry {
  readonly #open = new Set<OpenShell>();

  add(shell: OpenShell): () => void {
    this.#open.add(shell);
    return () => { this.#open.delete(shell); };
  }

  get size(): number { return this.#open.size; }

  list(): readonly OpenShell[] { return [...this.#open]; }

  /** Print `message` in every open shell (or only `username`'s); returns how many got it. */
  broadcast(message: string, username?: string): number {
    let n = 0;
    for (const s of this.#open) if (username === undefined || s.username === username) { s.notify(message); n++; }
    return n;
  }

  /** Print `message` in the shells of one SSH connection (for `ConnectionRecord.notify`); true if any. */
  notifyConnection(connId: string, message: string): boolean {
    let shown = false;
    for (const s of this.#open) if (s.connId === connId) { s.notify(message); shown = true; }
    return shown;
  }

  /** End every open shell of `username` with `message`; returns how many were ended. */
  kick(username: string, message = 'Kicked by administrator.'): number {
    let n = 0;
    for (const s of [...this.#open]) if (s.username === username) { s.kick(message); n++; }
    return n;
  }
}

export function sessionInfoFromAuthed(session: AuthedSession, previousLogin?: number | null): ShellSessionInfo {
  return {
    user: session.user,
    sourceIp: session.client.ip,
    authMethod: session.method,
    keyFingerprint: session.keyFingerprint,
    connectedAt: session.client.startedAt,
    connId: session.client.connId,
    ...(previousLogin !== undefined ? { previousLogin } : {}),
  };
}

export function createShellBackend(deps: ShellBackendDeps): {
  readonly registry: ShellRegistry;
  shell(channel: ShellChannel, req: ShellChannelRequest): Promise<number>;
  exec(channel: ShellChannel, command: string, req: ShellChannelRequest): Promise<number>;
} {
  const registry = new ShellRegistry();
  const open = async (channel: ShellChannel, req: ShellChannelRequest): Promise<ShellSession> => {
    // Input that arrives meanwhile waits in the channel: nothing reads it before run() does.
    let previous: number | null | undefined;
    try { previous = await deps.previousLogin?.(req.session); } catch { previous = undefined; }
    const s = new ShellSession({
      info: sessionInfoFromAuthed(req.session, previous),
      server: deps.server, port: deps.port, settings: deps.settings(), clock: deps.clock,
      output: channel, stderr: channel.stderr, pty: req.terminal, timers: deps.timers,
    });
    req.onResize((t) => s.resize(t.cols, t.rows));
    channel.on('close', () => s.close());
    channel.on('error', () => s.close());
    if (channel.destroyed) s.close(); // closed while the login was recorded
    return s;
  };
  return {
    registry,
    async shell(channel, req) {
      const s = await open(channel, req);
      const remove = registry.add({
        username: req.session.user.username,
        connId: req.session.client.connId,
        notify: (m) => s.notify(m),
        kick: (m) => s.kick(m),
      });
      try {
        return await s.run(channel);
      } finally {
        remove();
      }
    },
    async exec(channel, command, req) {
      // exec reads no input, but the channel must still be drained or the peer's window fills.
      channel.on('data', () => {});
      return (await open(channel, req)).exec(command);
    },
  };
}
