/**
 * The shapes every door (SOCKS5, SSH) and every stage share. One connection:
 *   accept -> admission -> handshake -> auth -> authorize -> limits -> connect -> relay
 * (docs/pipeline.md draws it; pipeline/stages.ts lists it as data).
 */
import type { Door } from '../observe/events.js';
import type { EffectiveUser } from '../config/users.js';
import type { Decision, Denial, ErrorCode } from '../errors.js';
import type { Duplex } from 'node:stream';

/** What start-up and shutdown ask of every door's listener (SOCKS5, HTTP proxy, SSH). */
export interface DoorListener {
  listen(host: string, port: number): Promise<{ address: string; port: number }>;
  /** Stop accepting; established tunnels keep running until drained or closed. */
  stopAccepting(): Promise<void>;
  /** Serve a connection accepted elsewhere (the primary of `[server] workers`), as if accepted here. */
  inject(socket: import('node:net').Socket): void;
}

/** Who connected: the transport peer (after PROXY protocol, when trusted). */
export interface ClientInfo {
  readonly ip: string;
  readonly port: number;
  readonly door: Door;
  /** 8-hex correlation id shared by logs and audit events of this connection. */
  readonly connId: string;
  readonly startedAt: number;
}

/** What the client asked to reach. `host` is a domain name or an IP literal (no brackets). */
export interface Target {
  readonly host: string;
  readonly port: number;
}

/** Something held for the life of a connection (a slot, a session); release is idempotent. */
export interface Release { release(): void }

/**
 * Admission's slot: held in the pre-auth budget until `promote()` moves it to max_connections at
 * authentication (refused when max_connections is full); `release()` frees whichever it holds.
 */
export interface AdmissionSlot extends Release { promote(): Decision }

/** An authenticated principal on one transport connection (one SOCKS5 connection, one SSH connection). */
export interface AuthedSession {
  readonly client: ClientInfo;
  readonly user: EffectiveUser;
  readonly method: string;
  readonly keyFingerprint?: string;
}

/** The outcome of a relay, for logs, audit and accounting. */
/**
 * One tunnel's accounting and shaping, returned by `Limits.acquire` and consumed by the relay. The
 * relay calls `account` for every chunk it read, forwards `pass` bytes, and cuts the tunnel when
 * `exceeded` is set (telling the user `quotaClientMessage(exceeded)`); it waits `delayFor(n)` ms
 * before reading more.
 */
export interface TrafficMeter {
  account(n: number, dir: 'up' | 'down'): { pass: number; exceeded?: string };
  delayFor(n: number): number;
  /** Idempotent; frees the per-user and global tunnel slots. */
  release(): void;
  readonly bytesUp: number;
  readonly bytesDown: number;
}

export interface RelayResult {
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  /** why it ended: 'eof', 'idle', 'quota:daily_bandwidth_bytes', 'kick', 'shutdown', 'error: ...' */
  reason: string;
}

/** A connected upstream socket, ready to relay. */
export interface Tunnel {
  readonly sessionId: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Pipe the client stream to the target until either side ends; resolves with the byte counts. */
  relay(client: Duplex): Promise<RelayResult>;
  /** Abort before relaying (client went away). */
  destroy(): void;
}

/** Username + password (with an optional TOTP code) -> an authorized session; synchronous when the verified-password cache answers. */
export type PasswordAuthenticator = (client: ClientInfo, username: string, password: Buffer) => Decision<AuthedSession> | Promise<Decision<AuthedSession>>;

/** The transport's peer, after the PROXY protocol when trusted. */
export interface Peer {
  readonly ip: string;
  readonly port: number;
}

/**
 * One admitted transport connection as its door holds it: on the session list (kick, API,
 * dashboard) until `closed()`, which frees the admission slot and emits connection.closed once.
 */
export interface DoorConnection {
  readonly client: ClientInfo;
  /** Admission refused, and the door answers the client before closing (a ban, maintenance). */
  readonly refusal: Denial | undefined;
  /** The session authenticated on this connection, if any. */
  readonly session: AuthedSession | undefined;
  /** The transport closed: idempotent. */
  closed(): void;
}

/**
 * What a SOCKS5 or HTTP proxy door asks of the pipeline, nothing else: admit at accept (accept,
 * admission), authenticate (auth, then authorize at login), open per request (authorize, limits,
 * connect). The relay is the returned tunnel's.
 */
export interface DoorPort {
  /**
   * `answers`: whether the door still speaks to a client admission refused (the refusal is then
   * `refusal`); otherwise, and for a dropped flood, undefined: close the socket at once.
   * `close` is how a kick, maintenance or shutdown closes this connection.
   */
  admit(peer: Peer, door: Door, opts: { answers: (d: Denial) => boolean; close: (reason: string) => void }): DoorConnection | undefined;
  authenticate(conn: DoorConnection, username: string, password: Buffer): Decision<AuthedSession> | Promise<Decision<AuthedSession>>;
  /** Credentials that could not even be read (a malformed Proxy-Authorization): an authentication failure. */
  authFailed(conn: DoorConnection, reason: string): void;
  open(session: AuthedSession, target: Target): Promise<Decision<Tunnel>>;
}

/** An admitted SSH connection: the door also records what it learns of the client on the session list. */
export interface SshDoorConnection extends DoorConnection {
  /** The client's identification line, once ssh2 has read it. */
  clientVersion(ident: string): void;
  /** Close the connection's tunnels (kick, shutdown) with this reason. */
  closeTunnels(reason: string): void;
}

/**
 * What the SSH door asks of the pipeline: admit at accept, the steps of its authentication flow
 * (the live account, a rejected credential, authorize at login), open per direct-tcpip channel.
 */
export interface SshDoorPort {
  /** accept + admission. A refusal is the door's to answer (the maintenance text) or to close. */
  admit(peer: Peer, opts: { close: (reason: string) => void; notify: (message: string) => boolean }): Decision<SshDoorConnection>;
  /** The client's KEXINIT fingerprint with its status in the gate store: on the session list, and fingerprint.seen. */
  fingerprintSeen(conn: SshDoorConnection, m: { fingerprint: string; hassh: string; clientId: string }, status: string): void;
  /** The live account of a user name, or undefined. */
  user(username: string): EffectiveUser | undefined;
  /** A rejected credential: auth.failure, and it counts towards bans. */
  authFailed(conn: SshDoorConnection, username: string, method: string, reason: string): void;
  /** Credentials verified: authorize at login (account rules, client fingerprint, the authenticated slot). */
  authorize(conn: SshDoorConnection, user: EffectiveUser, method: string, keyFingerprint?: string): Decision<AuthedSession>;
  open(session: AuthedSession, target: Target): Promise<Decision<Tunnel>>;
  /** A channel the door refuses itself (the key's no-port-forwarding, permitopen): reported as a refused tunnel is. */
  refuse(session: AuthedSession, target: Target, d: Denial): void;
}

/** Refused datagrams of one UDP association, reported as one event and one warning (socks/udp-refusals.ts). */
export interface DatagramRefusal {
  readonly target: Target;
  readonly code: ErrorCode;
  /** The policy's detailed reason for a first refusal, the summary's text for a count. */
  readonly reason: string;
  /** How many refused datagrams this report stands for (the metrics count each one). */
  readonly datagrams: number;
  readonly summary: boolean;
  /** The first refusal of this target in the association: it counts against the client's reputation. */
  readonly reputation: boolean;
}

/**
 * What the SOCKS5 UDP ASSOCIATE door asks of the pipeline: the association's slot (authorize,
 * limits), then per datagram the authorize and connect stages' address decision. A refused datagram
 * is not reported by `routeDatagram`: the door reports refusals itself, throttled per association,
 * through `datagramsRefused`.
 */
export interface UdpPort {
  /** `open`: the user's associations open now (max_udp_sessions_per_user). */
  associate(session: AuthedSession, target: Target, open: number): Promise<Decision<TrafficMeter>>;
  /** The address to send to, of the relay socket's family, or the refusal, unreported. */
  routeDatagram(session: AuthedSession, target: Target, family: 4 | 6): Promise<Decision<string>>;
  datagramsRefused(session: AuthedSession, report: DatagramRefusal): void;
}

export type { Decision, Denial };
