/**
 * The connection pipeline shared by every door. Doors do not hold it: they speak to the narrow
 * ports of pipeline/door.ts, which call, in order:
 *   admit(client) -> [handshake + credentials] -> authorize(client, user, method) -> openTunnel(session, target)
 * Every step runs a table of stage functions in the order of pipeline/stages.ts (run.ts): admission
 * at accept and authorize + limits at login (login-stages.ts), authorize + limits + connect per
 * tunnel (tunnel-stages.ts).
 * Policy modules decide; this file sequences them, logs, counts and emits events. It has no getters:
 * what a door needs (config, log, clock) it is given as plain values where it is wired (server/start.ts).
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { EffectiveUser } from '../config/users.js';
import { allow, countsAgainstReputation, deny, isPolicyDenial, type Decision, type Denial } from '../errors.js';
import { joinHostPort } from '../host-port.js';
import type { Door, EventBus } from '../observe/events.js';
import type { DnsCache } from '../relay/dns-cache.js';
import { relay } from '../relay/pipe.js';
import type { SessionRegistry, TunnelRecord } from './sessions.js';
import type { AdmissionSlot, AuthedSession, ClientInfo, Release, RelayResult, Target, TrafficMeter, Tunnel } from './types.js';
import type { StartupsSnapshot } from '../policy/startup-budget.js';
import { StartupDropLog } from '../observe/startup-drop-log.js';
import type { World } from './world.js';
import { unmapIpv4Text } from '../policy/ip-address.js';
import { loginSequences, type AcceptContext, type LoginContext } from './login-stages.js';
import { runStages, runStagesSync, type StageTable, type SyncStageTable } from './run.js';
import { tunnelContext, tunnelSequences, type LimitsStage, type TunnelContext } from './tunnel-stages.js';

export type { LimitsStage };

/** Pre-auth admission (connection slots, allowlist, bans, rate, reputation, maintenance). */
export interface AdmissionStage {
  admit(ip: string): Decision<AdmissionSlot>;
  startups(): StartupsSnapshot;
  recordAuthFailure(ip: string, username: string): void;
  recordAuthSuccess(ip: string): void;
  recordAclDenial(ip: string): void;
}


export interface PipelineDeps {
  world: () => World;
  events: EventBus;
  clock: Clock;
  log: Logger;
  sessions: SessionRegistry;
  dns: DnsCache;
  admission: AdmissionStage;
  limits: LimitsStage;
  /** Live status of an SSH client fingerprint in the gate store (approved/pending/blocked), for require_approved_fingerprint. */
  fingerprintStatus?: ((fingerprint: string) => string | null) | undefined;
  /** Aborted on shutdown: open tunnels end with reason "shutdown". */
  shutdown?: AbortSignal;
}

/** Connection ids come from one random block refilled every 1024 ids, not a CSPRNG call per accept. */
const ID_BYTES = 4;
const ID_BLOCK = 1024;
let idPool = Buffer.alloc(0);
let idOffset = 0;
function nextConnId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * ID_BLOCK);
    idOffset = 0;
  }
  const id = idPool.toString('hex', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}

export class Pipeline {
  readonly #d: PipelineDeps;
  /** Stop functions of the running relays, for shutdown: one abort listener, not one per tunnel. */
  readonly #running = new Set<(reason: string) => void>();
  readonly #now = (): number => this.#d.clock.now();
  /** Pre-auth slots of connections not authenticated yet, by conn id: authorize() promotes them. */
  readonly #pending = new Map<string, AdmissionSlot>();
  readonly #startupDrops: StartupDropLog;
  readonly #seq: { tcp: StageTable<TunnelContext>; associate: StageTable<TunnelContext>; datagram: StageTable<TunnelContext> };
  readonly #login: { accept: SyncStageTable<AcceptContext>; login: SyncStageTable<LoginContext> };

  constructor(deps: PipelineDeps) {
    this.#d = deps;
    this.#seq = tunnelSequences(deps);
    this.#login = loginSequences({
      clock: deps.clock, admission: deps.admission, fingerprintStatus: deps.fingerprintStatus,
      clientFingerprint: (connId) => deps.sessions.get(connId)?.clientFingerprint,
    });
    this.#startupDrops = new StartupDropLog({ log: deps.log, clock: deps.clock, snapshot: () => deps.admission.startups() });
    // Each in-flight connect listens on the shutdown signal (connect.ts): 64 concurrent channels
    // are expected, not a leak, so no MaxListenersExceededWarning in the log.
    if (deps.shutdown) setMaxListeners(0, deps.shutdown);
    deps.shutdown?.addEventListener('abort', () => {
      for (const stop of [...this.#running]) stop('shutdown');
    }, { once: true });
  }

  newClient(ip: string, port: number, door: Door): ClientInfo {
    return { ip: unmapIpv4Text(ip.toLowerCase()), port, door, connId: nextConnId(), startedAt: this.#d.clock.now() };
  }

  /** On TCP accept, before any handshake byte (the accept table: admission): nothing expensive happens for a refused source. */
  admit(client: ClientInfo): Decision<Release> {
    const ctx: AcceptContext = { client };
    const d = runStagesSync(this.#login.accept, ctx);
    if (!d.allow) {
      // A flood is dropped here by the thousand: counted by sks5_startups_dropped_total and logged
      // in summary lines, not one warning and one audit event per dropped socket.
      if (d.code === 'SKS5_DENY_STARTUPS' || d.code === 'SKS5_DENY_STARTUPS_SOURCE') { this.#startupDrops.dropped(d); return d; }
      return this.#rejected(client, d);
    }
    const slot = ctx.slot;
    if (slot !== undefined) this.#pending.set(client.connId, slot);
    this.#d.events.emit('connection.new', { source_ip: client.ip, source_port: client.port, protocol: client.door, conn_id: client.connId });
    return allow({ release: () => { this.#pending.delete(client.connId); slot?.release(); } });
  }

  #rejected<T>(client: ClientInfo, d: Denial): Decision<T> {
    const cfg = this.#d.world().config;
    if (cfg.logging.log_denied_connections) this.#d.log.warn({ conn_id: client.connId, source: client.ip, door: client.door, code: d.code }, `connection refused: ${d.operator}`);
    this.#d.events.emit('connection.rejected', { source_ip: client.ip, code: d.code, reason: d.operator, protocol: client.door });
    return d;
  }

  /**
   * Credentials are verified: the login table (authorize, then limits) runs. An authorize refusal
   * counts as an authentication failure (towards bans); a full max_connections is a refusal.
   */
  authorize(client: ClientInfo, user: EffectiveUser, method: string, keyFingerprint?: string): Decision<AuthedSession> {
    const ctx: LoginContext = { client, user, pending: this.#pending.get(client.connId) };
    const d = runStagesSync(this.#login.login, ctx);
    if (!d.allow) {
      if (ctx.authorized !== true) {
        this.recordAuthFailure(client, user.username, method, d.operator);
        return d;
      }
      return this.#rejected(client, d);
    }
    this.#pending.delete(client.connId);
    this.#d.admission.recordAuthSuccess(client.ip);
    const session: AuthedSession = keyFingerprint === undefined ? { client, user, method } : { client, user, method, keyFingerprint };
    const ev = { username: user.username, source_ip: client.ip, method, protocol: client.door, conn_id: client.connId };
    this.#d.events.emit('auth.success', keyFingerprint === undefined ? ev : { ...ev, key_fingerprint: keyFingerprint });
    this.#d.events.emit('session.authenticated', ev);
    if (this.#d.log.isLevelEnabled('info')) this.#d.log.info({ conn_id: client.connId, user: user.username, source: client.ip, door: client.door, method }, 'authenticated');
    return allow(session);
  }

  recordAuthFailure(client: ClientInfo, username: string, method: string, reason: string): void {
    this.#d.admission.recordAuthFailure(client.ip, username);
    this.#d.events.emit('auth.failure', { username, source_ip: client.ip, method, protocol: client.door, conn_id: client.connId, reason });
    if (this.#d.world().config.logging.log_denied_connections) this.#d.log.warn({ conn_id: client.connId, user: username, source: client.ip, door: client.door, method }, `authentication failed: ${reason}`);
  }

  /** authorize -> limits -> connect for one tunnel (a SOCKS5 CONNECT or an SSH direct-tcpip channel). */
  async openTunnel(session: AuthedSession, target: Target): Promise<Decision<Tunnel>> {
    const ctx = tunnelContext(session, target, this.#d.world());
    const d = await runStages(this.#seq.tcp, ctx);
    const connected = ctx.connected;
    if (!d.allow || connected === undefined || ctx.meter === undefined) {
      ctx.meter?.release();
      return this.#refuseTunnel(ctx, d.allow ? deny('SKS5_ERR_INTERNAL', 'tunnel stages allowed without a connection', 'general failure') : d, 'tunnel refused');
    }
    return allow(this.#tunnel(session, target, connected.socket, connected.resolvedIp, ctx.meter));
  }

  /**
   * authorize -> limits for a UDP ASSOCIATE (RFC 1928 section 7): the association holds one tunnel
   * slot and its meter for its life. `open` is the user's associations open now.
   */
  async associate(session: AuthedSession, target: Target, open: number): Promise<Decision<TrafficMeter>> {
    const ctx = tunnelContext(session, target, this.#d.world());
    ctx.udpOpen = open;
    const d = await runStages(this.#seq.associate, ctx);
    if (d.allow && ctx.meter !== undefined) return allow(ctx.meter);
    ctx.meter?.release();
    return this.#refuseTunnel(ctx, d.allow ? deny('SKS5_ERR_INTERNAL', 'association stages allowed without a slot', 'general failure') : d, 'UDP ASSOCIATE refused');
  }

  /** A tunnel a door refuses by its own rules (an SSH key's no-port-forwarding or permitopen). */
  refuseTunnel(session: AuthedSession, target: Target, d: Denial): void {
    this.#refuseTunnel(tunnelContext(session, target, this.#d.world()), d, 'tunnel refused');
  }

  /** One refusal, reported once: our rules refused (acl.deny), or the network did (connect.failed). */
  #refuseTunnel<T>(ctx: TunnelContext, d: Denial, what: string): Decision<T> {
    const { client, user } = ctx.session;
    const { target } = ctx;
    if (countsAgainstReputation(d.code)) this.#d.admission.recordAclDenial(client.ip);
    // Alerts and sks5_acl_denied_total must not count an unreachable target as a policy denial.
    this.#d.events.emit(isPolicyDenial(d.code) ? 'acl.deny' : 'connect.failed', { username: user.username, source_ip: client.ip, target_host: target.host, target_port: target.port, code: d.code, reason: d.operator, protocol: client.door, conn_id: client.connId });
    if (ctx.world.config.logging.log_denied_connections) this.#d.log.warn({ conn_id: client.connId, user: user.username, source: client.ip, target: joinHostPort(target.host, target.port), code: d.code }, `${what}: ${d.operator}`);
    return d;
  }

  #tunnel(session: AuthedSession, target: Target, socket: import('node:net').Socket, resolvedIp: string, meter: TrafficMeter): Tunnel {
    const { client, user } = session;
    const sessionId = this.#d.sessions.nextSessionId();
    const conn = this.#d.sessions.get(client.connId);
    const startedAt = this.#d.clock.now();
    // Kick/maintenance/shutdown before the relay runs is remembered and ends it as soon as it starts
    // (first reason wins), as an aborted signal would, without an AbortController per tunnel.
    let stop: ((reason: string) => void) | undefined;
    let stopReason: string | undefined;
    const close = (reason: string): void => {
      if (stop) stop(reason);
      else stopReason ??= reason;
    };
    const record: TunnelRecord = {
      sessionId, username: user.username, targetHost: target.host, targetPort: target.port, resolvedIp, startedAt,
      bytesUp: 0, bytesDown: 0, close,
    };
    conn?.tunnels.set(sessionId, record);
    if (!this.#d.shutdown?.aborted) this.#running.add(close);
    const base = { username: user.username, source_ip: client.ip, target_host: target.host, target_port: target.port, resolved_ip: resolvedIp, protocol: client.door, conn_id: client.connId, session_id: sessionId };
    this.#d.events.emit('proxy.start', base);
    if (this.#d.log.isLevelEnabled('info')) this.#d.log.info({ conn_id: client.connId, user: user.username, source: `${client.ip}:${client.port}`, target: joinHostPort(target.host, target.port), ip: resolvedIp, door: client.door }, 'tunnel open');
    let released = false;
    const cleanup = (): void => {
      if (released) return;
      released = true;
      meter.release();
      conn?.tunnels.delete(sessionId);
      this.#running.delete(close);
    };
    const idleMs = this.#d.world().config.limits.idle_timeout * 1000;
    const rawRelay = this.#d.world().config.fast_paths.raw_relay;
    return {
      sessionId,
      remoteAddress: resolvedIp,
      remotePort: target.port,
      // Read on demand: only a SOCKS5 reply needs them, and each is a getsockname() syscall that
      // an SSH channel (the reply names nothing) would pay for nothing.
      get localAddress(): string { return socket.localAddress ?? '0.0.0.0'; },
      get localPort(): number { return socket.localPort ?? 0; },
      // A promise chain, not an async function: no suspended frame kept per open tunnel.
      relay: (clientStream): Promise<RelayResult> => relay(clientStream, socket, {
          idleTimeoutMs: idleMs, meter, now: this.#now, raw: rawRelay,
          bindStop: (s) => {
            stop = s;
            if (stopReason !== undefined) s(stopReason);
          },
          onBytes: (up, down) => { record.bytesUp += up; record.bytesDown += down; },
        }).then((result) => {
          cleanup();
          if (conn) conn.closedTunnelBytes = (conn.closedTunnelBytes ?? 0) + result.bytesUp + result.bytesDown;
          this.#d.events.emit('proxy.complete', {
            username: base.username, source_ip: base.source_ip, target_host: base.target_host, target_port: base.target_port,
            resolved_ip: base.resolved_ip, protocol: base.protocol, conn_id: base.conn_id, session_id: base.session_id,
            bytes_up: result.bytesUp, bytes_down: result.bytesDown, duration_ms: result.durationMs, reason: result.reason,
          });
          if (this.#d.log.isLevelEnabled('info')) this.#d.log.info({ conn_id: client.connId, user: user.username, source: `${client.ip}:${client.port}`, target: joinHostPort(target.host, target.port), ip: resolvedIp, door: client.door, bytes_up: result.bytesUp, bytes_down: result.bytesDown, duration_ms: result.durationMs, reason: result.reason }, 'tunnel closed');
          return result;
        }),
      destroy: () => { socket.destroy(); cleanup(); },
    };
  }
}
