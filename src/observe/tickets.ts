/**
 * Short-lived single-use tickets for EventSource and WebSocket, which cannot send an
 * Authorization header: the browser asks POST /api/sse-ticket (with the Bearer token) and puts
 * the ticket in the URL instead of the token, so the token never lands in logs or history.
 *
 * Format (the original's): `<unix seconds>:<32 hex nonce>:<64 hex HMAC-SHA256>`, signed over
 * `"<ts>:<nonce>"` with the key `"sks5-sse-ticket:" + token`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';

export const TICKET_TTL_SECS = 30;
/** Tickets issued in the future by more than this are refused (clock skew between nothing: it is our own clock). */
const MAX_FUTURE_SKEW_SECS = 5;
/** A ticket is at most this long; anything longer is refused before any parsing. */
const MAX_TICKET_LEN = 128;
/** Redeemed nonces are remembered until they expire; past this many we refuse rather than forget. */
const MAX_REMEMBERED = 10_000;

const TICKET_RE = /^(\d{1,12}):([0-9a-f]{32}):([0-9a-f]{64})$/;

export type TicketVerdict = { ok: true } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'future' | 'replayed' | 'busy' };

export class TicketIssuer {
  readonly #key: Buffer;
  readonly #clock: Clock;
  /** nonce -> expiry (unix seconds) */
  readonly #used = new Map<string, number>();

  constructor(token: string, clock: Clock) {
    this.#key = Buffer.from(`sks5-sse-ticket:${token}`, 'utf8');
    this.#clock = clock;
  }

  issue(): { ticket: string; expires_in: number } {
    const ts = Math.floor(this.#clock.now() / 1000);
    const nonce = randomBytes(16).toString('hex');
    return { ticket: `${ts}:${nonce}:${this.#sign(ts, nonce)}`, expires_in: TICKET_TTL_SECS };
  }

  /** Checks and consumes a ticket: a second redemption of the same ticket is refused. */
  redeem(ticket: string): TicketVerdict {
    if (ticket.length > MAX_TICKET_LEN) return { ok: false, reason: 'malformed' };
    const m = TICKET_RE.exec(ticket);
    if (!m) return { ok: false, reason: 'malformed' };
    const ts = Number(m[1]);
    const nonce = m[2] as string;
    const sig = Buffer.from(m[3] as string, 'hex');
    const expected = Buffer.from(this.#sign(ts, nonce), 'hex');
    if (!timingSafeEqual(sig, expected)) return { ok: false, reason: 'bad_signature' };
    const now = Math.floor(this.#clock.now() / 1000);
    if (ts > now + MAX_FUTURE_SKEW_SECS) return { ok: false, reason: 'future' };
    if (now - ts > TICKET_TTL_SECS) return { ok: false, reason: 'expired' };
    this.#forgetExpired(now);
    if (this.#used.has(nonce)) return { ok: false, reason: 'replayed' };
    // Refusing when full keeps single-use a guarantee instead of a best effort.
    if (this.#used.size >= MAX_REMEMBERED) return { ok: false, reason: 'busy' };
    this.#used.set(nonce, ts + TICKET_TTL_SECS);
    return { ok: true };
  }

  #sign(ts: number, nonce: string): string {
    return createHmac('sha256', this.#key).update(`${ts}:${nonce}`).digest('hex');
  }

  #forgetExpired(now: number): void {
    // Insertion order is redemption order and expiry grows with it, so stop at the first live one.
    for (const [nonce, expiry] of this.#used) {
      if (expiry >= now) break;
      this.#used.delete(nonce);
    }
  }
}
