import { isIP } from 'node:net';

/** True for `10.0.0.0/8`, `2001:db8::/32`, or a bare address (taken as a /32 or /128). */
export function isValidCidrOrIp(s: string): boolean {
  const slash = s.indexOf('/');
  const addr = slash === -1 ? s : s.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) return false;
  if (slash === -1) return true;
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
