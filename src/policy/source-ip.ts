/** Per-user `source_ips`: an empty list allows every address. */
import { compileIpList } from './ip-address.js';

/** Compiled once (at config load): `(ip) => allowed`; IPv4-mapped IPv6 is matched as its IPv4 address. */
export function compileSourceIps(list: readonly string[]): (ip: string) => boolean {
  if (list.length === 0) return () => true;
  const ips = compileIpList(list, 'source_ips');
  return (ip) => ips.contains(ip);
}
