/**
 * SOCKS5 listener (plain TCP, or SOCKS5 inside TLS): executes the steps of `SocksSession` against a
 * socket, and speaks to the pipeline through its door port: admit at accept, authenticate the
 * RFC 1929 credentials, open each CONNECT (UDP ASSOCIATE through udp.ts).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext, type SecureContextOptions } from 'node:tls';
import { CMD, encodeRefusal, encodeSuccess } from './codec.js';
import { unmapIpv4Text } from '../policy/ip-address.js';
import type { Logger } from 'pino';
import { SocksSession, type Step } from './session.js';
import type { Decision, Denial } from '../errors.js';
import { injectConnection, listenOn } from '../listen.js';
import type { AuthedSession, DoorListener, DoorPort } from '../pipeline/types.js';
import { startUdpAssociate, type UdpAssociations } from './udp.js';

export interface SocksListenerOptions {
  port: DoorPort;
  udp: UdpAssociations;
  log: Logger;
  /** `limits.socks5_handshake_timeout` of the live config, in seconds. */
  handshakeTimeoutSecs: () => number;
  tls?: SecureContextOptions | undefined;
}

export interface SocksListener extends DoorListener {
  server: Server;
}

export function createSocksListener(opts: SocksListenerOptions): SocksListener {
  // TLS is layered on the accepted TCP socket, not left to a tls.Server: admission (and the pre-auth
  // budget) must see a connection at accept, or a client that stalls inside its TLS handshake would
  // hold a socket that no budget counts.
  const secure = opts.tls ? createSecureContext(opts.tls) : undefined;
  const door = secure ? 'socks5-tls' : 'socks5';
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => handleConnection(socket, opts, door, secure));
  return {
    server,
    listen: (host, port) => listenOn(server, host, port),
    inject: (socket) => injectConnection(server, socket, { allowHalfOpen: true, noDelay: true }),
    // server.close() only stops accepting; its callback would wait for every tunnel, which the drain handles.
    stopAccepting: async () => { server.close(); },
  };
}

// A banned source still gets a protocol answer (0xFF) once its greeting is read; others are just closed.
const answersBanned = (d: Denial): boolean => d.code === 'SKS5_DENY_BANNED';

function handleConnection(raw: Socket, opts: SocksListenerOptions, door: 'socks5' | 'socks5-tls', secure: SecureContext | undefined): void {
  const { port } = opts;
  raw.setNoDelay(true);
  raw.on('error', () => { /* reported through close */ });
  let socket: Socket = raw;
  const conn = port.admit({ ip: raw.remoteAddress ?? '0.0.0.0', port: raw.remotePort ?? 0 }, door, { answers: answersBanned, close: () => socket.destroy() });
  if (conn === undefined) {
    raw.destroy();
    return;
  }
  const { client } = conn;
  // The handshake timer below covers the TLS handshake too; a failed one ends in 'error' then 'close'.
  if (secure) {
    socket = new TLSSocket(raw, { isServer: true, secureContext: secure });
    socket.on('error', () => { /* reported through close */ });
  }
  const session = new SocksSession({ refuseAll: conn.refusal !== undefined });
  let closed = false;
  let authed: AuthedSession | undefined;
  let relaying = false;
  let handshakeTimer: NodeJS.Timeout | undefined = setTimeout(() => {
    log('debug', 'handshake timeout');
    socket.destroy();
  }, opts.handshakeTimeoutSecs() * 1000);
  handshakeTimer.unref();
  // A cleared Timeout kept by this closure would stay allocated for the whole tunnel.
  const stopHandshakeTimer = (): void => {
    if (handshakeTimer !== undefined) clearTimeout(handshakeTimer);
    handshakeTimer = undefined;
  };

  const log = (level: 'debug' | 'warn', msg: string): void => {
    opts.log[level]({ conn_id: client.connId, source: `${client.ip}:${client.port}`, door }, msg);
  };

  // `on`, not `once` ('close' and 'end' are emitted once): no bound wrapper kept per tunnel.
  socket.on('close', () => {
    closed = true;
    stopHandshakeTimer();
    conn.closed();
  });

  const run = (steps: Step[]): void => {
    for (const step of steps) {
      if (closed) return;
      switch (step.kind) {
        case 'write':
          socket.write(step.data);
          break;
        case 'close':
          if (step.malformed) log('warn', `malformed SOCKS5 handshake: ${step.reason}`);
          else log('debug', step.reason);
          socket.end();
          setTimeout(() => socket.destroy(), 1000).unref();
          return;
        case 'authenticate': {
          const { username } = step.credentials;
          const pending = port.authenticate(conn, username, step.credentials.password);
          if (!(pending instanceof Promise)) return authenticated(pending);
          socket.pause();
          pending.then((res) => {
            if (closed) return;
            authenticated(res);
            socket.resume();
          }, (err: unknown) => {
            log('warn', `authentication error: ${(err as Error).message}`);
            socket.destroy();
          });
          return;
        }
        case 'request':
          socket.pause();
          void handleRequest(step.request).catch((err: unknown) => {
            log('warn', `request failed: ${(err as Error).message}`);
            socket.destroy();
          });
          return;
      }
    }
  };

  const authenticated = (res: Decision<AuthedSession>): void => {
    if (res.allow) authed = res.value;
    run(session.authResult(res.allow));
  };

  const handleRequest = async (req: { cmd: number; host: string; port: number }): Promise<void> => {
    if (!authed) return void socket.destroy();
    if (req.cmd === CMD.UDP_ASSOCIATE) {
      stopHandshakeTimer();
      relaying = true;
      session.requestDone();
      await startUdpAssociate(socket, authed, req, opts.udp);
      return;
    }
    const res = await port.open(authed, { host: req.host, port: req.port });
    if (closed) { if (res.allow) res.value.destroy(); return; }
    session.requestDone();
    stopHandshakeTimer();
    if (!res.allow) {
      socket.end(encodeRefusal(res.code));
      return;
    }
    const tunnel = res.value;
    // BND.ADDR/PORT: the local address of our outbound socket (RFC 1928), not the target's.
    socket.write(encodeSuccess(unmapIpv4Text(tunnel.localAddress), tunnel.localPort));
    // From here on the relay reads the socket; the handshake reader would only see closed-state chunks.
    socket.off('data', onData);
    const early = session.takeEarlyData();
    if (early.length > 0) socket.unshift(early);
    relaying = true;
    socket.resume();
    // Returned, not awaited: this frame need not stay alive for the tunnel's lifetime.
    return tunnel.relay(socket).then(() => undefined);
  };

  // allowHalfOpen is for tunnels; a client that half-closes during the handshake is gone.
  socket.on('end', () => { if (!relaying) socket.destroy(); });
  const onData = (chunk: Buffer): void => {
    if (session.state === 'closed') return;
    run(session.feed(chunk));
  };
  socket.on('data', onData);
}
