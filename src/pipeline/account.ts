/**
 * The account rules that do not depend on the target: expiry, per-user source_ips, time window.
 * Checked at login on every door and again at every tunnel and UDP datagram, since a connection can
 * outlive a time window or an expiry date.
 */
import type { EffectiveUser } from '../config/users.js';
import { allow, deny, type Decision } from '../errors.js';
import { checkExpiry } from '../policy/expiry.js';

export function checkAccount(user: EffectiveUser, sourceIp: string, now: number): Decision {
  const exp = checkExpiry(user.expiresAt, now);
  if (!exp.allow) return deny('SKS5_DENY_EXPIRED', `${user.username}: ${exp.reason}`, 'account expired');
  if (!user.sourceAllowed(sourceIp)) {
    return deny('SKS5_DENY_SOURCE_IP', `${user.username}: source ${sourceIp} not in source_ips`, 'not allowed from this address');
  }
  const t = user.timeWindow?.check(now) ?? { allow: true };
  if (!t.allow) return deny('SKS5_DENY_TIME', `${user.username}: ${t.reason}`, `access not allowed at this time (${t.reason})`);
  return allow();
}
