/**
 * The door port (pipeline/types.ts `DoorPort`) over the pipeline: the SOCKS5 and HTTP proxy doors
 * call these three functions and hold a `DoorConnection`; the session list, the admission slot and
 * the connection events are kept here, once, instead of in every listener.
 */
import type { Clock } from '../clock.js';
import type { Decision, Denial } from '../errors.js';
import type { Door, EventBus } from '../observe/events.js';
import type { ConnectionRecord, SessionRegistry } from './sessions.js';
import type { AuthedSession, ClientInfo, DoorConnection, DoorPort, PasswordAuthenticator, Release, Target, Tunnel } from './types.js';

export interface DoorPortDeps {
  pipeline: {
    newClient(ip: string, port: number, door: Door): ClientInfo;
    admit(client: ClientInfo): Decision<Release>;
    openTunnel(session: AuthedSession, target: Target): Promise<Decision<Tunnel>>;
    recordAuthFailure(client: ClientInfo, username: string, method: string, reason: string): void;
  };
  sessions: SessionRegistry;
  events: EventBus;
  clock: Clock;
  authenticate: PasswordAuthenticator;
}

class TrackedConnection implements DoorConnection {
  readonly client: ClientInfo;
  readonly refusal: Denial | undefined;
  session: AuthedSession | undefined;
  readonly #record: ConnectionRecord;
  readonly #unregister: () => void;
  readonly #slot: Release | undefined;
  readonly #d: DoorPortDeps;
  #closed = false;

  constructor(client: ClientInfo, admitted: Decision<Release>, close: (reason: string) => void, d: DoorPortDeps) {
    this.client = client;
    this.refusal = admitted.allow ? undefined : admitted;
    this.#slot = admitted.allow ? admitted.value : undefined;
    this.#d = d;
    this.#record = {
      connId: client.connId, door: client.door, sourceIp: client.ip, sourcePort: client.port, startedAt: client.startedAt,
      tunnels: new Map(), close,
    };
    this.#unregister = d.sessions.add(this.#record);
  }

  authenticated(session: AuthedSession): void {
    this.session = session;
    this.#record.username = session.user.username;
    this.#record.authMethod = session.method;
  }

  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregister();
    this.#slot?.release();
    const { client } = this;
    this.#d.events.emit('connection.closed', { source_ip: client.ip, protocol: client.door, conn_id: client.connId, ...(this.session ? { username: this.session.user.username } : {}), duration_ms: this.#d.clock.now() - client.startedAt });
  }
}

export function createDoorPort(d: DoorPortDeps): DoorPort {
  const tracked = (conn: DoorConnection): TrackedConnection => {
    if (!(conn instanceof TrackedConnection)) throw new TypeError('not a connection of this port');
    return conn;
  };
  return {
    admit(peer, door, opts) {
      const client = d.pipeline.newClient(peer.ip, peer.port, door);
      const admitted = d.pipeline.admit(client);
      if (!admitted.allow && !opts.answers(admitted)) return undefined;
      return new TrackedConnection(client, admitted, opts.close, d);
    },
    authenticate(conn, username, password) {
      const c = tracked(conn);
      const done = (r: Decision<AuthedSession>): Decision<AuthedSession> => {
        if (r.allow) c.authenticated(r.value);
        return r;
      };
      const r = d.authenticate(c.client, username, password);
      return r instanceof Promise ? r.then(done) : done(r);
    },
    authFailed: (conn, reason) => d.pipeline.recordAuthFailure(conn.client, '', 'password', reason),
    open: (session, target) => d.pipeline.openTunnel(session, target),
  };
}
