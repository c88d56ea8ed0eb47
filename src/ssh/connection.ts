/**
 * One SSH connection from accept to close: registry entry, auth deadline, ssh2 event wiring
 * (auth, direct-tcpip, session, refusals), kick. The listener (server.ts) creates it once the
 * connection is admitted; ssh2 attaches its `Connection` when the client's identification arrives.
 */
import type { Socket } from 'node:net';
import type { ClientInfo as Ssh2ClientInfo, Connection, ServerChannel } from 'ssh2';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { AuthedSession, SshDoorConnection, SshDoorPort } from '../pipeline/types.js';
import { sshReasonOf, type ErrorCode } from '../errors.js';
import { UNRESTRICTED, type KeyRestrictions } from '../auth/key-options.js';
import { SshAuthFlow, type TotpChecker } from './auth-flow.js';
import { handleDirectTcpip } from './channels.js';
import type { CredentialStore } from './credentials.js';
import { DISCONNECT, sendDisconnect } from './disconnect.js';
import { rejectChannelOpen } from './open-failure.js';
import { REFUSAL } from './refusals.js';
import { handleSession, type ShellBackend } from './session-channel.js';

/** After we send DISCONNECT, a client gets this long to close before the socket is destroyed. */
const CLOSE_GRACE_MS = 2000;

export interface SshConnectionDeps {
  readonly port: SshDoorPort;
  /** This connection as admitted by the port (its session-list entry and admission slot). */
  readonly conn: SshDoorConnection;
  readonly config: () => Config;
  readonly log: Logger;
  readonly socket: Socket;
  readonly clock: Clock;
  readonly totp: TotpChecker;
  readonly credentials: CredentialStore;
  readonly shell?: ShellBackend | undefined;
}

export class SshConnection {
  readonly #d: SshConnectionDeps;
  readonly #authTimer: NodeJS.Timeout;
  readonly #channels = new Set<ServerChannel>();
  #conn: Connection | undefined;
  #session: AuthedSession | undefined;
  #restrictions: KeyRestrictions = UNRESTRICTED;
  #closed = false;

  constructor(deps: SshConnectionDeps) {
    this.#d = deps;
    const authSecs = deps.config().server.ssh_auth_timeout;
    this.#authTimer = setTimeout(() => {
      if (!this.#session) this.close(`not authenticated within ssh_auth_timeout (${authSecs}s)`);
    }, authSecs * 1000);
    this.#authTimer.unref();
    deps.socket.once('close', () => this.#cleanup());
  }

  get closed(): boolean { return this.#closed; }

  /** CHANNEL_OPEN_FAILURE with the catalogued reason of `code` (see open-failure.ts for the switch). */
  #reject(conn: Connection, reject: () => void, code: ErrorCode, description: string): void {
    rejectChannelOpen(conn, reject, sshReasonOf(code), description, this.#d.config().fast_paths.ssh_open_failure_reason);
  }

  #log(level: 'debug' | 'info' | 'warn', msg: string, extra: object = {}): void {
    const { client } = this.#d.conn;
    this.#d.log[level]({ conn_id: client.connId, source: `${client.ip}:${client.port}`, door: 'ssh', ...extra }, msg);
  }

  /**
   * Kick, shutdown, auth deadline: say goodbye at the SSH layer when we can, then drop the socket.
   * `clientText` goes into the DISCONNECT, which OpenSSH prints; `reason` is for our log only.
   */
  close(reason: string, clientText?: string): void {
    if (this.#closed) return;
    this.#log('info', `closing SSH connection: ${reason}`);
    this.#d.conn.closeTunnels(reason);
    if (this.#conn && clientText !== undefined) sendDisconnect(this.#conn, DISCONNECT.BY_APPLICATION, clientText, this.#d.config().fast_paths.ssh_disconnect_text);
    else if (this.#conn) this.#conn.end();
    else this.#d.socket.destroy();
    setTimeout(() => this.#d.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** A broadcast: shown on the connection's open session channels. */
  notify(message: string): boolean {
    for (const ch of this.#channels) ch.stderr.write(`\r\n${message}\r\n`);
    return this.#channels.size > 0;
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#authTimer);
    this.#d.conn.closed();
  }

  /** ssh2 parsed the client's identification: wire the protocol events. */
  attach(conn: Connection, info: Ssh2ClientInfo): void {
    this.#conn = conn;
    const { port, conn: door } = this.#d;
    door.clientVersion(info.header.identRaw);
    conn.on('error', (err: Error) => this.#log('debug', `ssh error: ${err.message}`));
    const flow = new SshAuthFlow({
      port, conn: door, config: this.#d.config, log: this.#d.log, clock: this.#d.clock, totp: this.#d.totp,
      keysOf: (u) => this.#d.credentials.keysOf(u),
      trustedCasOf: (u) => this.#d.credentials.trustedCasOf(u),
      onAuthenticated: (session, restrictions) => {
        this.#session = session;
        this.#restrictions = restrictions;
        clearTimeout(this.#authTimer);
      },
      disconnect: (reason, clientText) => this.close(reason, clientText),
    });
    conn.on('authentication', (ctx) => { void flow.handle(ctx); });

    conn.on('tcpip', (accept, reject, tinfo) => {
      const session = this.#session;
      const refuse = (code: ErrorCode, description: string): void => { this.#reject(conn, reject, code, description); };
      if (!session) return refuse('SKS5_ERR_AUTH', 'not authenticated');
      handleDirectTcpip(accept, tinfo, { port, session, restrictions: this.#restrictions, refuse, closed: () => this.#closed, singleDestroy: () => this.#d.config().fast_paths.ssh_channel_single_destroy, log: this.#d.log });
    });

    conn.on('session', (accept, reject) => {
      const session = this.#session;
      const refuse = (code: ErrorCode, description: string): void => { this.#reject(conn, reject, code, description); };
      if (!session) return refuse('SKS5_ERR_AUTH', 'not authenticated');
      handleSession(accept, refuse, {
        session, restrictions: this.#restrictions, backend: this.#d.shell, log: this.#d.log,
        onChannel: (ch) => {
          this.#channels.add(ch);
          ch.once('close', () => this.#channels.delete(ch));
        },
      });
    });

    // ssh -R and its Unix-socket sibling: a bastion never listens on behalf of a client.
    conn.on('request', (_accept, reject, name) => {
      this.#log('info', `refused global request ${name}: ${REFUSAL.remoteForward}`, { user: this.#session?.user.username });
      reject?.();
    });
    conn.on('openssh.streamlocal', (_accept, reject) => {
      this.#reject(conn, reject, 'SKS5_DENY_FORWARDING', REFUSAL.streamlocal);
    });
  }
}
