/**
 * The HTTP proxy door (plain, or inside TLS as an HTTPS proxy): Node's HTTP server parses, this
 * file only decides and relays. CONNECT opens a tunnel; an absolute-form `http://` request is
 * forwarded (forward.ts). Both go through the same pipeline as SOCKS5 and SSH: admission at
 * accept, Basic credentials against the same users, then ACL, limits and connect per request,
 * so every request on a kept-alive connection is checked on its own.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContextOptions } from 'node:tls';
import { allow, deny, type Decision, type Denial, type ErrorCode } from '../errors.js';
import type { Logger } from 'pino';
import { injectConnection, listenOn } from '../listen.js';
import type { AuthedSession, ClientInfo, DoorConnection, DoorListener, DoorPort } from '../pipeline/types.js';
import { forwardRequest } from './forward.js';
import { parseProxyAuthorization } from './proxy-auth.js';
import { CONNECT_ESTABLISHED, encodeReply, refusalReply } from './replies.js';
import { parseAbsoluteTarget, parseConnectTarget } from './target.js';

/** Request line plus headers; llhttp refuses more with HPE_HEADER_OVERFLOW (answered 431). */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface HttpProxyOptions {
  /** Admit, authenticate (Basic credentials: the SOCKS5 door's password check, for door "http"), open. */
  port: DoorPort;
  log: Logger;
  /** `limits.http_header_timeout` at start, in seconds (Node's HTTP server takes it once). */
  headerTimeoutSecs: number;
  tls?: SecureContextOptions | undefined;
}

export interface HttpProxyListener extends DoorListener {
  server: Server;
}

/** What one client connection carries from request to request. */
interface ConnState {
  readonly client: ClientInfo;
  /** Admission refused the connection (conn.refusal): every request on it gets that answer, then the close. */
  readonly conn: DoorConnection;
  /** The Proxy-Authorization value that produced `authed`: the same value skips re-verification. */
  authHeader?: string;
  authed?: AuthedSession;
}

// A flood is closed at once: answering it would mean holding each socket until its request arrives.
// Another refused client still gets an HTTP answer with the reason (maintenance message, ban):
// Node reads its request, bounded by the header size and timeout, and we answer then close.
const answersRefusal = (d: Denial): boolean => d.code !== 'SKS5_DENY_STARTUPS' && d.code !== 'SKS5_DENY_STARTUPS_SOURCE';

export function createHttpProxyListener(opts: HttpProxyOptions): HttpProxyListener {
  const { port } = opts;
  const door = opts.tls ? 'http-tls' : 'http';
  const timeoutMs = opts.headerTimeoutSecs * 1000;
  const states = new WeakMap<Socket, ConnState>();
  const httpOptions = {
    maxHeaderSize: MAX_HEADER_BYTES,
    headersTimeout: timeoutMs,
    // A forwarded upload may take as long as it takes: the relay's idle timeout bounds it instead.
    requestTimeout: 0,
    // How often the header deadline is looked at (Node's default is 30 s, far past a short timeout).
    connectionsCheckingInterval: Math.min(1000, timeoutMs),
    // Absolute-form requests name their target in the URL; HTTP/1.0 CONNECT (Python) has no Host.
    requireHostHeader: false,
    noDelay: true,
  };
  const server: Server = createServer(httpOptions);
  // For an HTTPS proxy, TLS is layered on the accepted TCP socket here rather than by an https.Server:
  // admission (and the pre-auth budget) must see the connection at accept, or a client stalled inside
  // its TLS handshake would hold a socket that no budget counts. The TLS socket is then handed to the
  // HTTP server as a connection (http.Server documents emitting 'connection' for this).
  const secure = opts.tls ? createSecureContext(opts.tls) : undefined;
  const acceptor: NetServer | undefined = secure
    ? createNetServer({ noDelay: true }, (raw) => {
      raw.on('error', () => { /* reported through close */ });
      let tls: TLSSocket | undefined;
      const admitted = admitConnection(raw, () => (tls ?? raw).destroy());
      if (!admitted) return void raw.destroy();
      tls = new TLSSocket(raw, { isServer: true, secureContext: secure });
      // The header timeout starts with the HTTP parser; the handshake before it gets the same bound.
      const handshake = setTimeout(() => tls.destroy(), timeoutMs);
      handshake.unref();
      tls.once('secure', () => clearTimeout(handshake));
      tls.once('close', () => clearTimeout(handshake));
      track(tls, admitted);
      server.emit('connection', tls);
    })
    : undefined;
  if (!secure) {
    server.on('connection', (socket: Socket) => {
      const admitted = admitConnection(socket, () => socket.destroy());
      if (!admitted) return void socket.destroy();
      track(socket, admitted);
    });
  }
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => onClientError(err, socket));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => { void onRequest(req, res).catch((err: unknown) => internalError(req.socket, res, err)); });
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => { void onConnect(req, socket, head).catch((err: unknown) => internalError(socket, undefined, err)); });

  const log = (level: 'debug' | 'warn', client: ClientInfo, msg: string, extra: Record<string, unknown> = {}): void => {
    if (opts.log.isLevelEnabled(level)) opts.log[level]({ conn_id: client.connId, source: `${client.ip}:${client.port}`, door, ...extra }, msg);
  };

  /** Admission at accept; undefined when the pre-auth budget dropped it (close, no answer). */
  function admitConnection(socket: Socket, close: () => void): ConnState | undefined {
    const conn = port.admit({ ip: socket.remoteAddress ?? '0.0.0.0', port: socket.remotePort ?? 0 }, door, { answers: answersRefusal, close });
    return conn && { client: conn.client, conn };
  }

  function track(socket: Socket, state: ConnState): void {
    socket.on('error', () => { /* reported through close */ });
    states.set(socket, state);
    socket.on('close', () => state.conn.closed());
  }

  function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const state = states.get(socket);
    const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'SKS5_ERR_HTTP_HEADERS_TOO_LARGE'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'SKS5_ERR_HTTP_TIMEOUT' : 'SKS5_ERR_PROTOCOL';
    if (state) log('warn', state.client, `malformed HTTP proxy request: ${err.code ?? err.message}`, { code });
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const text = code === 'SKS5_ERR_HTTP_HEADERS_TOO_LARGE' ? `request line and headers over ${MAX_HEADER_BYTES} bytes`
      : code === 'SKS5_ERR_HTTP_TIMEOUT' ? 'request headers not received in time' : 'malformed request';
    socket.end(encodeReply(refusalReply(code, text), true));
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /** The session for this request's credentials: reused while the client sends the same header. */
  function authenticate(state: ConnState, header: string | undefined): Decision<AuthedSession> | Promise<Decision<AuthedSession>> {
    if (state.authed && header !== undefined && header === state.authHeader) return allow(state.authed);
    const creds = parseProxyAuthorization(header);
    if (creds.kind === 'none') {
      // The first request of many clients carries no credential until they see our 407: not a failure.
      return deny('SKS5_ERR_AUTH', 'no Proxy-Authorization header', 'proxy authentication required');
    }
    if (creds.kind === 'malformed') {
      port.authFailed(state.conn, creds.reason);
      return deny('SKS5_ERR_AUTH', creds.reason, 'proxy authentication required');
    }
    const done = (d: Decision<AuthedSession>): Decision<AuthedSession> => {
      if (d.allow) {
        state.authed = d.value;
        if (header !== undefined) state.authHeader = header;
      }
      return d;
    };
    const r = port.authenticate(state.conn, creds.username, creds.password);
    return r instanceof Promise ? r.then(done) : done(r);
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const state = states.get(req.socket);
    if (!state) return void req.socket.destroy();
    if (state.conn.refusal) return answer(res, state.conn.refusal, true);
    const target = parseAbsoluteTarget(req.url ?? '');
    if (!target.ok) {
      log('debug', state.client, `bad request target: ${target.reason}`);
      return answer(res, deny(/^\//.test(req.url ?? '') ? 'SKS5_ERR_PROTOCOL' : 'SKS5_ERR_BAD_TARGET', target.reason, target.reason), false);
    }
    const pending = authenticate(state, req.headers['proxy-authorization']);
    const auth = pending instanceof Promise ? await pending : pending;
    if (!auth.allow) return answer(res, auth, false);
    const opened = await port.open(auth.value, target.value);
    if (!opened.allow) return answer(res, opened, false);
    if (req.socket.destroyed) return opened.value.destroy();
    forwardRequest(req, res, opened.value, target.value);
  }

  async function onConnect(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const state = states.get(socket);
    if (!state) return void socket.destroy();
    // Bytes the client sends ahead of our answer (a TLS ClientHello) wait in the socket until the relay reads.
    socket.pause();
    const refuse = (d: Denial): void => {
      if (!socket.writable) return void socket.destroy();
      socket.end(encodeReply(refusalReply(d.code, d.client), true));
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    if (state.conn.refusal) return refuse(state.conn.refusal);
    const target = parseConnectTarget(req.url ?? '');
    if (!target.ok) {
      log('debug', state.client, `bad CONNECT target: ${target.reason}`);
      return refuse(deny('SKS5_ERR_BAD_TARGET', target.reason, target.reason));
    }
    const pending = authenticate(state, req.headers['proxy-authorization']);
    const auth = pending instanceof Promise ? await pending : pending;
    if (!auth.allow) return refuse(auth);
    const opened = await port.open(auth.value, target.value);
    if (!opened.allow) return refuse(opened);
    const tunnel = opened.value;
    if (socket.destroyed) return tunnel.destroy();
    socket.write(CONNECT_ESTABLISHED);
    if (head.length > 0) socket.unshift(head);
    const relaying = tunnel.relay(socket);
    socket.resume();
    await relaying;
  }

  function answer(res: ServerResponse, d: Denial, close: boolean): void {
    const r = refusalReply(d.code, d.client);
    if (close) res.shouldKeepAlive = false;
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  }

  function internalError(socket: Socket, res: ServerResponse | undefined, err: unknown): void {
    const state = states.get(socket);
    if (state) log('warn', state.client, `HTTP proxy request failed: ${(err as Error).message}`);
    if (res && !res.headersSent) {
      const r = refusalReply('SKS5_ERR_INTERNAL', 'internal error');
      res.shouldKeepAlive = false;
      res.writeHead(r.status, r.headers);
      res.end(r.body);
    } else socket.destroy();
  }

  const listening: NetServer = acceptor ?? server;
  return {
    server,
    listen: (host, port) => listenOn(listening, host, port),
    inject: (socket) => injectConnection(listening, socket, { noDelay: true }),
    // close() stops accepting (and drops idle kept-alive connections); the drain handles tunnels.
    stopAccepting: async () => {
      if (acceptor?.listening) acceptor.close();
      server.close();
    },
  };
}
