/**
 * TOTP second factor (RFC 6238 via otpauth: SHA1, 6 digits, 30 s, window +-1), shared by both
 * doors. Unlike the original, TOTP is enforced whenever a user has `totp_enabled`;
 * `security.totp_required_for` additionally makes it mandatory on a door for every user.
 *
 * A code is single-use: the guard remembers, per user, the last time step that was accepted and
 * refuses that step and every earlier one (RFC 6238 section 5.2), so a code read over a shoulder
 * or replayed from a capture cannot open a second session.
 */
import { Secret, TOTP } from 'otpauth';
import type { EffectiveUser } from '../config/users.js';
import type { Door } from '../observe/events.js';
import { verifyPassword } from './password.js';

export const TOTP_PERIOD_SECS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_WINDOW = 1;
const MAX_TRACKED_USERS = 10_000;

export type TotpResult = { ok: true } | { ok: false; reason: string };

/** Single-use TOTP verification; one instance per process, shared by SSH and SOCKS5. */
export class TotpGuard {
  /** username -> last accepted time step */
  readonly #lastStep = new Map<string, number>();

  verify(username: string, secretBase32: string | undefined, code: string, now: number): TotpResult {
    if (!secretBase32) return { ok: false, reason: 'totp enabled but no totp_secret configured' };
    if (!/^\d{6}$/.test(code)) return { ok: false, reason: 'totp code must be 6 digits' };
    let delta: number | null;
    try {
      const totp = new TOTP({ secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECS });
      delta = totp.validate({ token: code, timestamp: now, window: TOTP_WINDOW });
    } catch {
      return { ok: false, reason: 'totp secret is not valid base32' };
    }
    if (delta === null) return { ok: false, reason: 'wrong totp code' };
    const step = Math.floor(now / 1000 / TOTP_PERIOD_SECS) + delta;
    const last = this.#lastStep.get(username);
    if (last !== undefined && step <= last) return { ok: false, reason: 'totp code already used' };
    this.#remember(username, step);
    return { ok: true };
  }

  #remember(username: string, step: number): void {
    this.#lastStep.delete(username);
    this.#lastStep.set(username, step);
    // Map keeps insertion order: the first key is the user who logged in least recently.
    if (this.#lastStep.size > MAX_TRACKED_USERS) {
      const oldest = this.#lastStep.keys().next().value;
      if (oldest !== undefined) this.#lastStep.delete(oldest);
    }
  }
}

/** Whether a login by `user` on `door` needs a TOTP code. */
export function totpRequired(user: EffectiveUser | undefined, door: Door, requiredFor: readonly string[]): boolean {
  const doorName = door === 'ssh' ? 'ssh' : door === 'http' || door === 'http-tls' ? 'http' : 'socks5';
  return (user?.totpEnabled ?? false) || requiredFor.includes(doorName);
}

/**
 * Split "password:123456" (preferred) or "password123456" (6-digit suffix) into its parts, the
 * two forms the original accepts. Returns views into `input` (no copy of the secret).
 */
export function splitPasswordAndCode(input: Buffer): { password: Buffer; code: string } | undefined {
  if (input.length < TOTP_DIGITS + 1) return undefined;
  const tail = input.subarray(input.length - TOTP_DIGITS).toString('latin1');
  if (!/^\d{6}$/.test(tail)) return undefined;
  const colon = input.length - TOTP_DIGITS - 1;
  if (input[colon] === 0x3a /* ':' */) return { password: input.subarray(0, colon), code: tail };
  return { password: input.subarray(0, input.length - TOTP_DIGITS), code: tail };
}

export interface PasswordTotpOptions {
  readonly door: Door;
  readonly totpRequiredFor: readonly string[];
  readonly guard: TotpGuard;
  /** ms since epoch */
  readonly now: number;
}

/**
 * Password (and, when required, the appended TOTP code) for doors that carry a single secret
 * (SOCKS5 RFC 1929; SSH "password" when the code is typed after it). Argon2 always runs, even for
 * unknown users, and before the code is looked at, so a wrong password never burns a code.
 * `input` is zeroed before this resolves.
 */
export async function verifyPasswordWithTotp(user: EffectiveUser | undefined, input: Buffer, opts: PasswordTotpOptions): Promise<TotpResult & { usedTotp: boolean }> {
  const needTotp = totpRequired(user, opts.door, opts.totpRequiredFor);
  try {
    if (!needTotp) {
      const ok = await verifyPassword(user?.passwordHash, Buffer.from(input));
      return ok ? { ok: true, usedTotp: false } : { ok: false, reason: user ? 'wrong password' : 'unknown user', usedTotp: false };
    }
    const split = splitPasswordAndCode(input);
    const ok = await verifyPassword(user?.passwordHash, Buffer.from(split?.password ?? input));
    if (!ok) return { ok: false, reason: user ? 'wrong password' : 'unknown user', usedTotp: false };
    if (!user) return { ok: false, reason: 'unknown user', usedTotp: false };
    if (!user.totpEnabled || !user.totpSecret) return { ok: false, reason: `totp required on ${opts.door} but not configured for this user`, usedTotp: false };
    if (!split) return { ok: false, reason: 'totp code missing (send password:123456)', usedTotp: false };
    const r = opts.guard.verify(user.username, user.totpSecret, split.code, opts.now);
    return { ...r, usedTotp: true };
  } finally {
    input.fill(0);
  }
}
