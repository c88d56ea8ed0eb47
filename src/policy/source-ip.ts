/** Source address lists (`source_ips`, `allowed_source_ips`, `ban_whitelist`): IPs and CIDRs. */
import { BlockList, isIP } from 'node:net';
import { unmapIpv4Text } from './ip-address.js';

const cache = new WeakMap<readonly string[], BlockList>();

export function compileIpList(list: readonly string[]): BlockList {
  const bl = new BlockList();
  for (const entry of list) {
    const [addr, bits] = entry.split('/');
    if (!addr) continue;
    const fam = isIP(addr);
    if (fam === 0) continue;
    const type = fam === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) bl.addAddress(addr, type);
    else bl.addSubnet(addr, Number(bits), type);
  }
  return bl;
}

/** True when `ip` is in the list; the compiled list is cached per (frozen) config array. */
export function isIpInList(ip: string, list: readonly string[]): boolean {
  let bl = cache.get(list);
  if (!bl) { bl = compileIpList(list); cache.set(list, bl); }
  const fam = isIP(ip);
  if (fam === 0) return false;
  if (bl.check(ip, fam === 4 ? 'ipv4' : 'ipv6')) return true;
  // An IPv4 client may be listed as IPv4-mapped IPv6 and vice versa.
  if (fam === 4) return bl.check(`::ffff:${ip}`, 'ipv6');
  const v4 = unmapIpv4Text(ip);
  return v4 !== ip && bl.check(v4, 'ipv4');
}
