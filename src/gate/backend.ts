/**
 * The trusted backend side: dialling with a timeout, reading its identification line, and the
 * cached banner that unknown clients get instead of a backend connection.
 *
 * Why a cache: most SSH clients wait for the server banner before sending KEXINIT, and the gate
 * must see KEXINIT before deciding. Answering from the cache means a rejected client never causes
 * a connection to sshd (no sshd log noise, no MaxStartups pressure from scanners).
 */
import { connect, type Socket } from 'node:net';
import { IdentParser } from './kexinit.js';
import type { HostPort } from './routes.js';

export const PROBE_IDENT = Buffer.from('SSH-2.0-SSHGate_banner_probe\r\n');

export class BackendError extends Error {
  readonly timeout: boolean;
  constructor(message: string, timeout = false) {
    super(message);
    this.name = 'BackendError';
    this.timeout = timeout;
  }
}

/** Connects with a deadline; errors read like Go's `dial tcp ADDR: connect: connection refused`. */
export function dialBackend(addr: HostPort, label: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // No Nagle: SSH is interactive, and a relay must not add a delayed-ACK stall per keystroke.
    const sock = connect({ host: addr.host ?? 'localhost', port: addr.port, allowHalfOpen: true, noDelay: true });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new BackendError(`dial tcp ${label}: i/o timeout`, true));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new BackendError(`dial tcp ${label}: connect: ${describeErrno(err)}`));
    });
  });
}

function describeErrno(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'EHOSTUNREACH': return 'no route to host';
    case 'ENETUNREACH': return 'network is unreachable';
    case 'ENOTFOUND': return 'no such host';
    default: return err.message;
  }
}

export interface BackendIdent {
  readonly identBytes: Buffer;
  readonly ident: Buffer;
  /** Bytes the backend sent after its identification (its KEXINIT): must reach the client. */
  readonly rest: Buffer;
}

/** Reads the backend's identification with a deadline; the socket is left paused. */
export function readBackendIdent(sock: Socket, timeoutMs: number): Promise<BackendIdent> {
  return new Promise((resolve, reject) => {
    const parser = new IdentParser({ strict: false });
    const done = (err: Error | null, v?: BackendIdent): void => {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('end', onEnd);
      sock.off('error', onError);
      sock.pause();
      if (err) reject(err); else resolve(v as BackendIdent);
    };
    const onData = (chunk: Buffer): void => {
      const step = parser.feed(chunk);
      if (step.kind === 'need') return;
      if (step.kind === 'error') done(new BackendError(step.reason));
      else done(null, { identBytes: step.identBytes, ident: step.ident, rest: step.rest });
    };
    const onEnd = (): void => done(new BackendError('EOF'));
    const onError = (err: Error): void => done(new BackendError(err.message));
    const timer = setTimeout(() => done(new BackendError('timeout', true)), timeoutMs);
    sock.on('data', onData);
    sock.once('end', onEnd);
    sock.once('error', onError);
    sock.resume();
  });
}

/** The banner clients are answered with, per route. Probed at start, refreshed when it changes. */
export class BannerCache {
  #identBytes: Buffer | null = null;
  #probing: Promise<Buffer> | null = null;
  readonly #addr: HostPort;
  readonly #label: string;
  readonly #timeoutMs: number;

  constructor(addr: HostPort, label: string, timeoutMs: number) {
    this.#addr = addr;
    this.#label = label;
    this.#timeoutMs = timeoutMs;
  }

  get current(): Buffer | null {
    return this.#identBytes;
  }

  set(identBytes: Buffer): void {
    this.#identBytes = identBytes;
  }

  /** The cached banner, probing the backend (once, shared by concurrent callers) when empty. */
  get(): Promise<Buffer> {
    if (this.#identBytes) return Promise.resolve(this.#identBytes);
    return this.probe();
  }

  probe(): Promise<Buffer> {
    if (this.#probing) return this.#probing;
    this.#probing = (async () => {
      const sock = await dialBackend(this.#addr, this.#label, this.#timeoutMs);
      try {
        sock.on('error', () => {});
        sock.write(PROBE_IDENT);
        const id = await readBackendIdent(sock, this.#timeoutMs);
        this.#identBytes = id.identBytes;
        return id.identBytes;
      } finally {
        sock.destroy();
      }
    })().finally(() => { this.#probing = null; });
    return this.#probing;
  }
}
