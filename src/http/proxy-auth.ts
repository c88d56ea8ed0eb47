/**
 * `Proxy-Authorization: Basic <base64(user:password)>` (RFC 9110 section 11.7.1, RFC 7617). The
 * password may carry a TOTP code as on the other doors (`password:123456`); it is returned as
 * bytes so the caller can zero it after Argon2id has seen it.
 */

export type ProxyCredentials =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: Buffer }
  | { kind: 'malformed'; reason: string };

/** RFC 7617 leaves the size open; 255-byte usernames plus a long password fit well under this. */
export const MAX_CREDENTIALS_BYTES = 1024;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function parseProxyAuthorization(header: string | undefined): ProxyCredentials {
  if (header === undefined) return { kind: 'none' };
  const value = header.trim();
  const sp = value.indexOf(' ');
  const scheme = sp < 0 ? value : value.slice(0, sp);
  if (scheme.toLowerCase() !== 'basic') return { kind: 'malformed', reason: `unsupported scheme "${scheme.slice(0, 20)}" (only Basic)` };
  const token = value.slice(sp + 1).trim();
  if (token.length === 0 || token.length % 4 !== 0 || !BASE64.test(token)) return { kind: 'malformed', reason: 'Basic credentials are not base64' };
  const raw = Buffer.from(token, 'base64');
  if (raw.length > MAX_CREDENTIALS_BYTES) {
    raw.fill(0);
    return { kind: 'malformed', reason: `Basic credentials longer than ${MAX_CREDENTIALS_BYTES} bytes` };
  }
  const colon = raw.indexOf(0x3a);
  if (colon <= 0) {
    raw.fill(0);
    return { kind: 'malformed', reason: colon === 0 ? 'empty username' : 'Basic credentials without a colon' };
  }
  const username = raw.toString('utf8', 0, colon);
  // A copy, so zeroing it does not depend on `raw` staying alive; `raw` is zeroed at once.
  const password = Buffer.from(raw.subarray(colon + 1));
  raw.fill(0);
  return { kind: 'basic', username, password };
}
