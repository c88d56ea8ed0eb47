/**
 * RFC 1929 username/password for SOCKS5, with the original's TOTP forms inside the password
 * (`password:123456` or `password123456`). TOTP is enforced whenever the user has it enabled
 * (the original skipped it unless `totp_required_for` listed "socks5").
 */
import { verifyPassword } from '../auth/password.js';
import type { AuthedSession, ClientInfo, PasswordAuthenticator } from '../pipeline/types.js';
import type { Decision } from '../errors.js';
import { deny } from '../errors.js';
import type { VerifiedPasswordCache } from '../auth/verified-cache.js';
import type { EffectiveUser } from '../config/users.js';

/**
 * A password that verified recently (the HMAC cache) is answered synchronously: the listener then
 * replies in the same turn as the read, with no promise hops and no pause/resume of the socket.
 */
export type SocksAuthenticator = PasswordAuthenticator;

/** What password authentication reads and calls (the pipeline's authorize at login, on the live world). */
export interface PasswordAuthDeps {
  user(username: string): EffectiveUser | undefined;
  /** `security.totp_required_for` of the live config. */
  totpRequiredFor(): readonly string[];
  authorize(client: ClientInfo, user: EffectiveUser, method: string): Decision<AuthedSession>;
  recordAuthFailure(client: ClientInfo, username: string, method: string, reason: string): void;
}

/** Verifies a 6-digit code for a user (replay-protected by the implementation). */
export type TotpVerifier = (username: string, secret: string, code: string) => boolean;

/** Split `secret:123456` or `secret123456` into password bytes and code; undefined when no code is present. */
export function splitTotp(password: Buffer): { password: Buffer; code: string } | undefined {
  const n = password.length;
  if (n < 7) return undefined;
  const tail = password.subarray(n - 6).toString('latin1');
  if (!/^\d{6}$/.test(tail)) return undefined;
  const cut = password[n - 7] === 0x3a /* ':' */ ? n - 7 : n - 6;
  if (cut === 0) return undefined;
  const pw = Buffer.from(password.subarray(0, cut));
  return { password: pw, code: tail };
}

/**
 * `policyDoor` is the name `security.totp_required_for` uses for the door: the HTTP proxy door
 * carries the same username + password (Proxy-Authorization: Basic), so it shares this code.
 */
export function createSocksAuthenticator(pipeline: PasswordAuthDeps, verifyTotp: TotpVerifier, cache?: VerifiedPasswordCache, policyDoor: 'socks5' | 'http' = 'socks5'): SocksAuthenticator {
  /** Argon2id, unless this exact password verified for this exact hash within auth_cache_ttl. */
  const check = async (user: EffectiveUser | undefined, username: string, pw: Buffer): Promise<boolean> => {
    const mac = user?.passwordHash && cache ? cache.mac(username, pw) : undefined;
    if (mac && cache?.matches(username, user?.passwordHash, mac)) { pw.fill(0); return true; }
    const ok = await verifyPassword(user?.passwordHash, pw);
    if (ok && mac && user?.passwordHash) cache?.remember(username, user.passwordHash, mac);
    return ok;
  };
  const verify = async (client: ClientInfo, username: string, password: Buffer): Promise<Decision<AuthedSession>> => {
    const user = pipeline.user(username);
    // The method says which credential failed: 'password+totp' when only the code was wrong.
    const fail = (reason: string, method = 'password'): Decision<AuthedSession> => {
      pipeline.recordAuthFailure(client, username, method, reason);
      return deny('SKS5_ERR_AUTH', `${username}: ${reason}`, 'authentication failed');
    };
    try {
      const needsTotp = user !== undefined && user.totpEnabled && user.totpSecret !== undefined;
      const requiredByPolicy = pipeline.totpRequiredFor().includes(policyDoor);
      if (user && requiredByPolicy && !needsTotp) return fail(`TOTP required for ${policyDoor} but not configured for this user`);
      if (!needsTotp) {
        const ok = await check(user, username, Buffer.from(password));
        return ok && user ? pipeline.authorize(client, user, 'password') : fail(user ? 'wrong password' : 'unknown user');
      }
      // Try the colon form first, then the 6-digit suffix form: both are documented by the original.
      const split = splitTotp(password);
      if (!split) {
        await verifyPassword(undefined, Buffer.alloc(1));
        return fail('TOTP code missing');
      }
      let ok = await check(user, username, split.password);
      if (!ok && password[password.length - 7] === 0x3a) {
        ok = await check(user, username, Buffer.from(password.subarray(0, password.length - 6)));
      }
      if (!ok) return fail('wrong password');
      if (!verifyTotp(username, user.totpSecret ?? '', split.code)) return fail('wrong or reused TOTP code', 'password+totp');
      return pipeline.authorize(client, user, 'password+totp');
    } finally {
      password.fill(0);
    }
  };
  return (client, username, password) => {
    const user = cache ? pipeline.user(username) : undefined;
    // The fast lane: a plain-password account (no TOTP anywhere) whose password verified within
    // auth_cache_ttl. Everything else, misses included, takes the full asynchronous path.
    if (user?.passwordHash && cache && !(user.totpEnabled && user.totpSecret !== undefined)
      && !pipeline.totpRequiredFor().includes(policyDoor)
      && cache.matches(username, user.passwordHash, cache.mac(username, password))) {
      password.fill(0);
      return pipeline.authorize(client, user, 'password');
    }
    return verify(client, username, password);
  };
}
