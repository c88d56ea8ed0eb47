/**
 * SOCKS5 listener (plain TCP, or SOCKS5 inside TLS): executes the steps of `SocksSession` against a
 * socket, and hands authenticated requests to the pipeline.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext, type SecureContextOptions } from 'node:tls';
import { CMD, encodeRefusal, encodeSuccess } from './codec.js';
import { unmapIpv4Text } from '../policy/ip-address.js';
import { SocksSession, type Step } from './session.js';
import type { Decision } from '../errors.js';
import type { Pipeline } from '../pipeline/engine.js';
import { listenOn } from '../listen.js';
import type { AuthedSession, ClientInfo, DoorListener } from '../pipeline/types.js';
import type { SocksAuthenticator } from './auth.js';
import { startUdpAssociate, type UdpAssociations } from './udp.js';

export interface SocksListenerOptions {
  pipeline: Pipeline;
  authenticate: SocksAuthenticator;
  udp: UdpAssociations;
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
    // server.close() only stops accepting; its callback would wait for every tunnel, which the drain handles.
    stopAccepting: async () => { server.close(); },
  };
}

function handleConnection(raw: Socket, opts: SocksListenerOptions, door: 'socks5' | 'socks5-tls', secure: SecureContext | undefined): void {
  const { pipeline } = opts;
  raw.setNoDelay(true);
  raw.on('error', () => { /* reported through close */ });
  const client = pipeline.newClient(raw.remoteAddress ?? '0.0.0.0', raw.remotePort ?? 0, door);
  const admitted = pipeline.admit(client);
  // A banned source still gets a protocol answer (0xFF) once its greeting is read; others are just closed.
  if (!admitted.allow && admitted.code !== 'SKS5_DENY_BANNED') {
    raw.destroy();
    return;
  }
  // The handshake timer below covers the TLS handshake too; a failed one ends in 'error' then 'close'.
  const socket: Socket = secure ? new TLSSocket(raw, { isServer: true, secureContext: secure }) : raw;
  if (secure) socket.on('error', () => { /* reported through close */ });
  const slot = admitted.allow ? admitted.value : undefined;
  const session = new SocksSession({ refuseAll: !admitted.allow });
  const cfg = pipeline.config;
  let closed = false;
  let authed: AuthedSession | undefined;
  let relaying = false;
  let connClosed: ((reason: string) => void) | undefined;
  const unregister = pipeline.sessions.add({
    connId: client.connId, door, sourceIp: client.ip, sourcePort: client.port, startedAt: client.startedAt,
    tunnels: new Map(), close: (reason) => { connClosed?.(reason); socket.destroy(); },
  });
  let handshakeTimer: NodeJS.Timeout | undefined = setTimeout(() => {
    log('debug', 'handshake timeout');
    socket.destroy();
  }, cfg.limits.socks5_handshake_timeout * 1000);
  handshakeTimer.unref();
  // A cleared Timeout kept by this closure would stay allocated for the whole tunnel.
  const stopHandshakeTimer = (): void => {
    if (handshakeTimer !== undefined) clearTimeout(handshakeTimer);
    handshakeTimer = undefined;
  };

  const log = (level: 'debug' | 'warn', msg: string): void => {
    pipeline.log[level]({ conn_id: client.connId, source: `${client.ip}:${client.port}`, door }, msg);
  };

  // `on`, not `once` ('close' and 'end' are emitted once): no bound wrapper kept per tunnel.
  socket.on('close', () => {
    closed = true;
    stopHandshakeTimer();
    unregister();
    slot?.release();
    pipeline.events.emit('connection.closed', { source_ip: client.ip, protocol: door, conn_id: client.connId, ...(authed ? { username: authed.user.username } : {}), duration_ms: pipeline.clock.now() - client.startedAt });
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
          const pending = opts.authenticate(client, username, step.credentials.password);
          if (!(pending instanceof Promise)) return authenticated(username, pending);
          socket.pause();
          pending.then((res) => {
            if (closed) return;
            authenticated(username, res);
            socket.resume();
          }, (err: unknown) => {
            log('warn', `authentication error: ${(err as Error).message}`);
            socket.destroy();
          });
          return;
        }
        case 'request':
          socket.pause();
          void handleRequest(step.request, client).catch((err: unknown) => {
            log('warn', `request failed: ${(err as Error).message}`);
            socket.destroy();
          });
          return;
      }
    }
  };

  const authenticated = (username: string, res: Decision<AuthedSession>): void => {
    if (res.allow) {
      authed = res.value;
      const rec = pipeline.sessions.get(client.connId);
      if (rec) { rec.username = username; rec.authMethod = res.value.method; }
    }
    run(session.authResult(res.allow));
  };

  const handleRequest = async (req: { cmd: number; host: string; port: number }, c: ClientInfo): Promise<void> => {
    if (!authed) return void socket.destroy();
    if (req.cmd === CMD.UDP_ASSOCIATE) {
      stopHandshakeTimer();
      relaying = true;
      session.requestDone();
      await startUdpAssociate(socket, authed, req, opts.udp);
      return;
    }
    const res = await pipeline.openTunnel(authed, { host: req.host, port: req.port });
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
    void c;
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
