/** `expires_at`: an account stops authenticating at that instant (inclusive). */
export type ExpiryVerdict = { allow: true } | { allow: false; reason: string };

/** `expiresAtMs` is ms since the epoch (EffectiveUser.expiresAt); undefined means the account never expires. */
export function checkExpiry(expiresAtMs: number | undefined, nowMs: number): ExpiryVerdict {
  if (expiresAtMs === undefined) return { allow: true };
  // An unparsable expires_at becomes NaN upstream; refuse rather than grant a forever account.
  if (!Number.isFinite(expiresAtMs)) return { allow: false, reason: 'account expiry date is invalid' };
  if (nowMs < expiresAtMs) return { allow: true };
  return { allow: false, reason: `account expired at ${new Date(expiresAtMs).toISOString()}` };
}
