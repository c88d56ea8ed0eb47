/**
 * API authentication: `Authorization: Bearer <token>` compared in constant time, and, on the two
 * streaming routes only, a single-use ticket in `?ticket=` (browsers cannot set headers on
 * EventSource or WebSocket). The token itself is never accepted in a URL.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The original refused shorter tokens when the API was enabled; so do we. */
export const MIN_TOKEN_LENGTH = 16;
const MAX_AUTH_HEADER = 4096;

export class TokenCheck {
  // Both sides go through an HMAC under a per-process random key, so the comparison is always
  // between two 32-byte buffers: no length leak, no early exit.
  readonly #key = randomBytes(32);
  readonly #expected: Buffer;
  readonly configured: boolean;

  constructor(token: string) {
    this.configured = token.length > 0;
    this.#expected = this.#mac(token);
  }

  matches(candidate: string): boolean {
    if (!this.configured) return false;
    return timingSafeEqual(this.#mac(candidate), this.#expected);
  }

  /** Checks an Authorization header value. */
  matchesHeader(header: string | undefined): boolean {
    if (header === undefined || header.length > MAX_AUTH_HEADER) return false;
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    return m !== null && this.matches(m[1] as string);
  }

  #mac(value: string): Buffer {
    return createHmac('sha256', this.#key).update(value, 'utf8').digest();
  }
}

/** Why a token cannot be used; undefined when it is fine. */
export function tokenProblem(token: string): string | undefined {
  if (token.length === 0) return 'api.token is empty: the API refuses every authenticated request';
  if (token.length < MIN_TOKEN_LENGTH) return `api.token must be at least ${MIN_TOKEN_LENGTH} characters`;
  return undefined;
}
