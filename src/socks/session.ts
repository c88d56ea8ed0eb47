/**
 * The SOCKS5 server handshake as a state machine with no socket: `feed(bytes)` returns steps
 * (`write`, `authenticate`, `request`, `close`) that the listener executes. Bytes a client sends
 * ahead of our reply (optimistic data after CONNECT) are kept and handed over, never lost.
 */
import { CMD, METHOD, encodeAuthStatus, encodeMethodChoice, encodeRefusal, parseGreeting, parseRequest, parseUserPass, type Credentials, type Request } from './codec.js';

export type Step =
  | { kind: 'write'; data: Buffer }
  | { kind: 'authenticate'; credentials: Credentials }
  | { kind: 'request'; request: Request }
  | { kind: 'close'; reason: string; malformed: boolean };

export type SessionState = 'greeting' | 'auth' | 'auth-pending' | 'request' | 'request-pending' | 'closed';

/** The most a client may send ahead of our reply before we stop reading (optimistic data). */
export const MAX_EARLY_DATA = 64 * 1024;

export class SocksSession {
  #state: SessionState = 'greeting';
  #buf: Buffer = Buffer.alloc(0);
  readonly #refuseAll: boolean;

  /** `refuseAll`: answer the greeting with 0xFF (no acceptable method) and close, e.g. for a banned source. */
  constructor(opts: { refuseAll?: boolean } = {}) {
    this.#refuseAll = opts.refuseAll ?? false;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Bytes received after the request, to forward once the tunnel is up. */
  takeEarlyData(): Buffer {
    const b = this.#buf;
    this.#buf = Buffer.alloc(0);
    return b;
  }

  get buffered(): number {
    return this.#buf.length;
  }

  /** Consume received bytes. The credential bytes inside `chunk` are zeroed once parsed. */
  feed(chunk: Buffer): Step[] {
    if (this.#state === 'closed') return [];
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    if (this.#state === 'auth-pending' || this.#state === 'request-pending') {
      if (this.#buf.length > MAX_EARLY_DATA) return this.#close('client sent more than 64 KiB before the handshake finished', true);
      return [];
    }
    return this.#advance();
  }

  /** The listener's answer to an `authenticate` step. */
  authResult(ok: boolean): Step[] {
    if (this.#state !== 'auth-pending') return [];
    if (!ok) {
      this.#state = 'closed';
      return [{ kind: 'write', data: encodeAuthStatus(false) }, { kind: 'close', reason: 'authentication failed', malformed: false }];
    }
    this.#state = 'request';
    return [{ kind: 'write', data: encodeAuthStatus(true) }, ...this.#advance()];
  }

  /** The listener answered the request (success or failure reply already built by the caller). */
  requestDone(): void {
    this.#state = 'closed';
  }

  #close(reason: string, malformed: boolean, reply?: Buffer): Step[] {
    this.#state = 'closed';
    const steps: Step[] = [];
    if (reply) steps.push({ kind: 'write', data: reply });
    steps.push({ kind: 'close', reason, malformed });
    return steps;
  }

  #consume(n: number): void {
    this.#buf = this.#buf.subarray(n);
  }

  #advance(): Step[] {
    const steps: Step[] = [];
    for (;;) {
      switch (this.#state) {
        case 'greeting': {
          const r = parseGreeting(this.#buf);
          if (r.kind === 'need') return steps;
          if (r.kind === 'error') return [...steps, ...this.#close(r.error.message, true)];
          this.#consume(r.consumed);
          if (this.#refuseAll) return [...steps, ...this.#close('source refused', false, encodeMethodChoice(METHOD.NO_ACCEPTABLE))];
          // NO_AUTH is never accepted: every SOCKS5 user is a configured, accountable user.
          if (!r.value.methods.includes(METHOD.USER_PASS)) {
            return [...steps, ...this.#close('client offered no username/password method', false, encodeMethodChoice(METHOD.NO_ACCEPTABLE))];
          }
          steps.push({ kind: 'write', data: encodeMethodChoice(METHOD.USER_PASS) });
          this.#state = 'auth';
          break;
        }
        case 'auth': {
          const r = parseUserPass(this.#buf);
          if (r.kind === 'need') return steps;
          if (r.kind === 'error') return [...steps, ...this.#close(r.error.message, true, encodeAuthStatus(false))];
          // The parsed password is a copy the caller zeroes; wipe the received bytes too.
          this.#buf.fill(0, 0, r.consumed);
          this.#consume(r.consumed);
          this.#state = 'auth-pending';
          steps.push({ kind: 'authenticate', credentials: r.value });
          return steps;
        }
        case 'request': {
          const r = parseRequest(this.#buf);
          if (r.kind === 'need') return steps;
          if (r.kind === 'error') {
            return [...steps, ...this.#close(r.error.message, true, encodeRefusal(r.error.code ?? 'SKS5_ERR_PROTOCOL'))];
          }
          this.#consume(r.consumed);
          if (r.value.cmd === CMD.BIND) {
            return [...steps, ...this.#close('BIND is not supported', false, encodeRefusal('SKS5_ERR_COMMAND'))];
          }
          this.#state = 'request-pending';
          steps.push({ kind: 'request', request: r.value });
          return steps;
        }
        default:
          return steps;
      }
    }
  }
}
