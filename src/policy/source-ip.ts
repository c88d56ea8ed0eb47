/** Source address lists (`source_ips`, `allowed_source_ips`, `ban_whitelist`): IPs and CIDRs. */
import { BlockList, isIP } from 'node:net';
import { unmapIpv4Text } from './ip-address.js';

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

/**
 * A source list compiled once (at config load): `(ip) => allowed`. An empty list allows every
 * address; an IPv4 client may be listed as IPv4-mapped IPv6 and vice versa.
 */
export function compileSourceIps(list: readonly string[]): (ip: string) => boolean {
  if (list.length === 0) return () => true;
  const bl = compileIpList(list);
  return (ip) => {
    const fam = isIP(ip);
    if (fam === 0) return false;
    if (bl.check(ip, fam === 4 ? 'ipv4' : 'ipv6')) return true;
    if (fam === 4) return bl.check(`::ffff:${ip}`, 'ipv6');
    const v4 = unmapIpv4Text(ip);
    return v4 !== ip && bl.check(v4, 'ipv4');
  };
}
