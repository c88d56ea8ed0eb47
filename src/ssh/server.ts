/**
 * The SSH door. We own the TCP listener so admission runs on accept, before a single SSH byte is
 * sent (bans and limits cost a refused client nothing, and a banned scanner never sees our
 * banner), and so a PROXY protocol header can be read first; admitted sockets are then handed to
 * an ssh2 Server that never listens itself (`injectSocket`).
 */
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ClientInfo as Ssh2ClientInfo } from 'ssh2';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { injectConnection, listenOn } from '../listen.js';
import type { DoorListener, SshDoorPort } from '../pipeline/types.js';
import { TotpGuard } from '../auth/totp.js';
import { buildAlgorithms, identFromServerId } from './algorithms.js';
import type { TotpChecker } from './auth-flow.js';
import { SshConnection } from './connection.js';
import { DISCONNECT, sendDisconnect } from './disconnect.js';
import { createCredentialStore } from './credentials.js';
import { keepaliveOptions } from './keepalive.js';
import { compileTrustedProxies } from './proxy-protocol.js';
import { readProxyHeader } from './proxy-reader.js';
import type { ShellBackend } from './session-channel.js';
import type { FingerprintStore } from '../store/fingerprints.js';
import { tapClientHello } from './client-fingerprint.js';
import { poolConnectionPadding } from './padding-pool.js';

export interface SshServerOptions {
  /** Admit, the authentication steps, open: the door's whole view of the pipeline. */
  readonly port: SshDoorPort;
  /** The live config (SSH settings follow a reload for new connections). */
  readonly config: () => Config;
  readonly log: Logger;
  readonly clock: Clock;
  /** OpenSSH-format private key text (see host-keys.ts `loadOrCreateHostKey`). */
  readonly hostKey: string;
  /** Shared with the SOCKS5 door so a TOTP code is single-use across both; one is created if absent. */
  readonly totp?: TotpChecker | undefined;
  /** The shell emulator; without it shell/exec print a notice. */
  readonly shell?: ShellBackend | undefined;
  /** sshgate's store: each client's KEXINIT fingerprint and HASSH are recorded there (new ones as pending). */
  readonly fingerprints?: Pick<FingerprintStore, 'observe'> | undefined;
}

export interface SshServer extends DoorListener {
  address(): AddressInfo | null;
  /** Stop accepting and end every SSH connection. */
  close(): Promise<void>;
}

type ServerSection = Config['server'];

function protocolOptions(hostKey: string, c: ServerSection): ssh2.ServerConfig {
  return {
    hostKeys: [hostKey],
    ident: identFromServerId(c.server_id),
    ...(c.banner ? { banner: c.banner } : {}),
    algorithms: buildAlgorithms(c.allowed_ciphers, c.allowed_kex) as ssh2.Algorithms,
    ...keepaliveOptions(c.ssh_keepalive_interval_secs, c.ssh_keepalive_max),
  };
}

function settingsKey(c: ServerSection): string {
  return JSON.stringify([c.server_id, c.banner ?? '', c.allowed_ciphers, c.allowed_kex, c.ssh_keepalive_interval_secs, c.ssh_keepalive_max]);
}

/** Why these `[server]` SSH settings cannot be used (unknown cipher or kex...), or undefined. */
export function sshSettingsError(c: ServerSection): string | undefined {
  try {
    buildAlgorithms(c.allowed_ciphers, c.allowed_kex);
    identFromServerId(c.server_id);
    keepaliveOptions(c.ssh_keepalive_interval_secs, c.ssh_keepalive_max);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * During maintenance an SSH client is told why in a DISCONNECT, which needs its identification
 * first: a few such refusals run at once, each for a bounded time; past the cap a client is simply
 * closed as before, so maintenance cannot be turned into a way to hold the server's sockets.
 */
const MAX_MAINTENANCE_REFUSALS = 32;
const MAINTENANCE_REFUSAL_MS = 10_000;

/** Cap on a PROXY header's arrival: a trusted balancer sends it at once. */
const PROXY_HEADER_TIMEOUT_MS = 10_000;

/** Throws (AlgorithmConfigError, bad host key) before anything listens, so start-up fails loudly. */
export function createSshServer(opts: SshServerOptions): SshServer {
  const { port, log } = opts;
  const cfg = opts.config().server;
  const totp = opts.totp ?? new TotpGuard();
  const credentials = createCredentialStore(opts.config, (msg) => log.warn(msg));
  const trustedProxy = compileTrustedProxies(cfg.proxy_protocol_trusted_cidrs);
  /**
   * The ssh2 Server that new connections are handed to. Identification, banner, algorithms and
   * keepalives follow a reload: a changed `[server]` section builds a new instance for new
   * connections, while established ones keep the instance they were negotiated with. Settings are
   * validated before a reload is accepted (`sshSettingsError`), so a rebuild here does not fail.
   */
  let protocolCfg = cfg;
  let protocolKey = settingsKey(cfg);
  const build = (c: ServerSection): ssh2.Server => {
    const server = new ssh2.Server(protocolOptions(opts.hostKey, c));
    server.on('connection', onSshConnection);
    server.on('error', (err: Error) => log.warn({ door: 'ssh', err: err.message }, 'ssh server error'));
    return server;
  };
  const protocol = (): ssh2.Server => {
    const live = opts.config().server;
    if (live === protocolCfg) return ssh;
    protocolCfg = live;
    const key = settingsKey(live);
    if (key === protocolKey) return ssh;
    try {
      ssh = build(live);
      protocolKey = key;
      log.info({ door: 'ssh' }, 'SSH identification, banner, algorithms or keepalives changed: applied to new connections');
    } catch (err) {
      log.warn({ door: 'ssh', err: (err as Error).message }, 'SSH settings not applied, previous ones kept');
    }
    return ssh;
  };
  /** Live connections by transport peer: ssh2 reports the peer, not our object, when it attaches. */
  const byPeer = new Map<string, SshConnection>();
  const peerKey = (ip: string | undefined, port: number | undefined): string => `${ip ?? ''}|${port ?? 0}`;

  /** Sockets let through only to hear the maintenance message, by transport peer. */
  const refusing = new Map<string, string>();

  function onSshConnection(conn: Connection, info: Ssh2ClientInfo): void {
    if (opts.config().fast_paths.ssh_pooled_padding) poolConnectionPadding(conn);
    const text = refusing.get(peerKey(info.ip, info.port));
    if (text !== undefined) {
      conn.on('error', () => {});
      // RFC 4253 11.1: DISCONNECT may come during key exchange; OpenSSH prints it at once.
      sendDisconnect(conn, DISCONNECT.BY_APPLICATION, text, opts.config().fast_paths.ssh_disconnect_text);
      return;
    }
    const c = byPeer.get(peerKey(info.ip, info.port));
    if (!c || c.closed) { conn.end(); return; }
    c.attach(conn, info);
  }
  let ssh = build(cfg);

  const refuseWithMessage = (socket: Socket, text: string): void => {
    const key = peerKey(socket.remoteAddress, socket.remotePort);
    refusing.set(key, `maintenance: ${text}`);
    const timer = setTimeout(() => socket.destroy(), MAINTENANCE_REFUSAL_MS);
    timer.unref();
    socket.once('close', () => { clearTimeout(timer); refusing.delete(key); });
    protocol().injectSocket(socket);
  };

  const admitAndHandOver = (socket: Socket, source: { ip: string; port: number } | undefined): void => {
    let c: SshConnection | undefined;
    const admitted = port.admit(
      { ip: source?.ip ?? socket.remoteAddress ?? '0.0.0.0', port: source?.port ?? socket.remotePort ?? 0 },
      { close: (reason) => c?.close(reason), notify: (message) => c?.notify(message) ?? false },
    );
    if (!admitted.allow) {
      if (admitted.code === 'SKS5_DENY_MAINTENANCE' && refusing.size < MAX_MAINTENANCE_REFUSALS) refuseWithMessage(socket, admitted.client);
      else socket.destroy();
      return;
    }
    const conn = admitted.value;
    const { client } = conn;
    const key = peerKey(socket.remoteAddress, socket.remotePort);
    c = new SshConnection({ port, conn, config: opts.config, log, clock: opts.clock, socket, totp, credentials, shell: opts.shell });
    const made = c;
    byPeer.set(key, made);
    socket.once('close', () => { if (byPeer.get(key) === made) byPeer.delete(key); });
    tapClientHello(socket, (o) => {
      if (!o.ok) { log.debug({ conn_id: client.connId, door: 'ssh' }, `no client fingerprint: ${o.reason}`); return; }
      const m = o.material;
      let status = 'unrecorded';
      try {
        status = opts.fingerprints?.observe(m, client.ip, false, opts.clock.now()).status ?? status;
      } catch (err) {
        log.warn(`fingerprint store: ${(err as Error).message}`);
      }
      port.fingerprintSeen(conn, m, status);
      log.info({ conn_id: client.connId, door: 'ssh', fingerprint: m.fingerprint, hassh: m.hassh, status, client: m.clientId }, 'SSH client fingerprint');
    });
    protocol().injectSocket(socket);
  };

  const onSocket = (socket: Socket): void => {
    socket.setNoDelay(true);
    socket.on('error', () => { /* reported through close */ });
    const live = opts.config().server;
    if (!live.proxy_protocol || !trustedProxy(socket.remoteAddress ?? '')) {
      // An untrusted peer speaks for itself: a PROXY header from it fails the SSH handshake.
      admitAndHandOver(socket, undefined);
      return;
    }
    void readProxyHeader(socket, PROXY_HEADER_TIMEOUT_MS).then((r) => {
      if (!r.ok) {
        log.warn({ door: 'ssh', source: socket.remoteAddress }, `PROXY protocol: ${r.reason}`);
        socket.destroy();
        return;
      }
      admitAndHandOver(socket, r.source);
    });
  };

  const net: NetServer = createServer(onSocket);
  const connections = new Set<Socket>();
  net.on('connection', (s: Socket) => { connections.add(s); s.once('close', () => connections.delete(s)); });

  return {
    listen: (host, port) => listenOn(net, host, port),
    inject: (socket) => injectConnection(net, socket),
    address: () => net.address() as AddressInfo | null,
    // net.Server#close only calls back once every connection has ended; stopping the accept loop
    // must not wait for the SSH sessions that a drain is about to wait for.
    stopAccepting: async () => { if (net.listening) net.close(); },
    close: async () => {
      const closed = net.listening ? new Promise<void>((resolve) => net.once('close', () => resolve())) : Promise.resolve();
      if (net.listening) net.close();
      for (const c of byPeer.values()) c.close('shutdown');
      for (const s of connections) if (!byPeer.has(peerKey(s.remoteAddress, s.remotePort))) s.destroy();
      // SshConnection.close destroys its socket after a short grace: bounded by construction.
      await closed;
    },
  };
}
