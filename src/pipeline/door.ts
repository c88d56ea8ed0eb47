/**
 * The door ports (pipeline/types.ts `DoorPort`, `SshDoorPort`, `UdpPort`) over the pipeline: the
 * SOCKS5 and HTTP proxy doors call these three functions and hold a `DoorConnection`; the session
 * list, the admission slot and the connection events are kept here, once, instead of in every listener.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { allow, deny, isPolicyDenial, type Decision, type Denial } from '../errors.js';
import { joinHostPort } from '../host-port.js';
import type { Door, EventBus } from '../observe/events.js';
import type { ConnectionRecord, SessionRegistry } from './sessions.js';
import type { EffectiveUser } from '../config/users.js';
import { runStages } from './run.js';
import { tunnelContext, tunnelSequences, type TunnelStageDeps } from './tunnel-stages.js';
import type { AuthedSession, ClientInfo, DoorConnection, DoorPort, PasswordAuthenticator, Release, SshDoorConnection, SshDoorPort, Target, TrafficMeter, Tunnel, UdpPort } from './types.js';
import type { World } from './world.js';

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
}

export interface SshDoorPortDeps extends DoorPortDeps {
  pipeline: DoorPortDeps['pipeline'] & {
    authorize(client: ClientInfo, user: EffectiveUser, method: string, keyFingerprint?: string): Decision<AuthedSession>;
    refuseTunnel(session: AuthedSession, target: Target, d: Denial): void;
  };
  user(username: string): EffectiveUser | undefined;
}

interface Tracking {
  close: (reason: string) => void;
  notify?: (message: string) => boolean;
  /** SSH: an authenticated connection also ends with session.ended and its tunnels' bytes. */
  sessionEnded?: boolean;
}

class TrackedConnection implements SshDoorConnection {
  readonly client: ClientInfo;
  readonly refusal: Denial | undefined;
  session: AuthedSession | undefined;
  readonly record: ConnectionRecord;
  readonly #unregister: () => void;
  readonly #slot: Release | undefined;
  readonly #d: DoorPortDeps;
  readonly #sessionEnded: boolean;
  #closed = false;

  constructor(client: ClientInfo, admitted: Decision<Release>, t: Tracking, d: DoorPortDeps) {
    this.client = client;
    this.refusal = admitted.allow ? undefined : admitted;
    this.#slot = admitted.allow ? admitted.value : undefined;
    this.#d = d;
    this.#sessionEnded = t.sessionEnded === true;
    this.record = {
      connId: client.connId, door: client.door, sourceIp: client.ip, sourcePort: client.port, startedAt: client.startedAt,
      tunnels: new Map(), close: t.close, ...(t.notify ? { notify: t.notify } : {}),
    };
    this.#unregister = d.sessions.add(this.record);
  }

  authenticated(session: AuthedSession): void {
    this.session = session;
    this.record.username = session.user.username;
    this.record.authMethod = session.method;
    if (session.keyFingerprint !== undefined) this.record.keyFingerprint = session.keyFingerprint;
  }

  clientVersion(ident: string): void {
    this.record.clientVersion = ident;
  }

  closeTunnels(reason: string): void {
    for (const t of this.record.tunnels.values()) t.close(reason);
  }

  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unregister();
    this.#slot?.release();
    const { client } = this;
    const duration = this.#d.clock.now() - client.startedAt;
    const user = this.session?.user.username;
    if (user !== undefined && this.#sessionEnded) {
      let total = this.record.closedTunnelBytes ?? 0;
      for (const t of this.record.tunnels.values()) total += t.bytesUp + t.bytesDown;
      this.#d.events.emit('session.ended', { username: user, source_ip: client.ip, protocol: client.door, conn_id: client.connId, duration_ms: duration, total_bytes: total });
    }
    this.#d.events.emit('connection.closed', { source_ip: client.ip, protocol: client.door, conn_id: client.connId, ...(user !== undefined ? { username: user } : {}), duration_ms: duration });
  }
}

function tracked(conn: DoorConnection): TrackedConnection {
  if (!(conn instanceof TrackedConnection)) throw new TypeError('not a connection of this port');
  return conn;
}

/** The SOCKS5 and HTTP proxy doors' port; `authenticate` is their username + password check. */
export function createDoorPort(d: DoorPortDeps & { authenticate: PasswordAuthenticator }): DoorPort {
  return {
    admit(peer, door, opts) {
      const client = d.pipeline.newClient(peer.ip, peer.port, door);
      const admitted = d.pipeline.admit(client);
      if (!admitted.allow && !opts.answers(admitted)) return undefined;
      return new TrackedConnection(client, admitted, { close: opts.close }, d);
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

/** The SSH door's port. */
export function createSshDoorPort(d: SshDoorPortDeps): SshDoorPort {
  return {
    admit(peer, opts) {
      const client = d.pipeline.newClient(peer.ip, peer.port, 'ssh');
      const admitted = d.pipeline.admit(client);
      if (!admitted.allow) return admitted;
      return { allow: true, value: new TrackedConnection(client, admitted, { ...opts, sessionEnded: true }, d) };
    },
    fingerprintSeen(conn, m, status) {
      const c = tracked(conn);
      c.record.clientFingerprint = m.fingerprint;
      c.record.clientHassh = m.hassh;
      d.events.emit('fingerprint.seen', { fingerprint: m.fingerprint, hassh: m.hassh, source_ip: c.client.ip, status, client_version: m.clientId });
    },
    user: (username) => d.user(username),
    authFailed: (conn, username, method, reason) => d.pipeline.recordAuthFailure(conn.client, username, method, reason),
    authorize(conn, user, method, keyFingerprint) {
      const c = tracked(conn);
      const r = d.pipeline.authorize(c.client, user, method, keyFingerprint);
      if (r.allow) c.authenticated(r.value);
      return r;
    },
    open: (session, target) => d.pipeline.openTunnel(session, target),
    refuse: (session, target, denial) => d.pipeline.refuseTunnel(session, target, denial),
  };
}

export interface UdpPortDeps {
  pipeline: { associate(session: AuthedSession, target: Target, open: number): Promise<Decision<TrafficMeter>> };
  world: () => World;
  /** The datagram sequence's stages (authorize, connect) are the TCP tunnel's, on the same deps. */
  stages: TunnelStageDeps;
  events: EventBus;
  log: Logger;
  admission: { recordAclDenial(ip: string): void };
}

/**
 * The UDP ASSOCIATE door's port. Datagram refusals are reported here as the engine reports a
 * refused tunnel (acl.deny or connect.failed, the warning, reputation), except that one report
 * may stand for many datagrams: the door decides when to report (socks/udp-refusals.ts).
 */
export function createUdpPort(d: UdpPortDeps): UdpPort {
  const datagram = tunnelSequences(d.stages).datagram;
  return {
    associate: (session, target, open) => d.pipeline.associate(session, target, open),
    async routeDatagram(session, target, family) {
      const ctx = tunnelContext(session, target, d.world());
      ctx.family = family;
      const r = await runStages(datagram, ctx);
      if (r.allow && ctx.address !== undefined) return allow(ctx.address);
      return r.allow ? deny('SKS5_ERR_INTERNAL', 'datagram stages allowed without an address', 'general failure') : r;
    },
    datagramsRefused(session, r) {
      const { client, user } = session;
      if (r.reputation) d.admission.recordAclDenial(client.ip);
      // Alerts and sks5_acl_denied_total must not count an unreachable target as a policy denial.
      d.events.emit(isPolicyDenial(r.code) ? 'acl.deny' : 'connect.failed', { username: user.username, source_ip: client.ip, target_host: r.target.host, target_port: r.target.port, code: r.code, reason: r.reason, protocol: client.door, conn_id: client.connId, datagrams: r.datagrams });
      if (!d.world().config.logging.log_denied_connections) return;
      const fields = { conn_id: client.connId, user: user.username, source: client.ip, target: joinHostPort(r.target.host, r.target.port), code: r.code, datagrams: r.datagrams };
      d.log.warn(fields, r.summary ? r.reason : `datagram refused: ${r.reason}`);
    },
  };
}
