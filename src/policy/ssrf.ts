/**
 * Anti-SSRF guard (`security.ip_guard_enabled`): refuses addresses that reach the bastion itself,
 * its private networks or a cloud metadata service. Applied to the address we are about to connect
 * to, after DNS, so a public name resolving to 10.0.0.1 is refused too. IPv6 forms that carry an
 * IPv4 address (mapped, compatible, 6to4, NAT64, Teredo) are judged by the IPv4 address they reach.
 */
import { parseCidr, parseIp, rangeOf, type IpAddress, type IpRange } from './ip-address.js';

export type SsrfVerdict = { forbidden: true; range: string } | { forbidden: false };

interface Entry { readonly range: IpRange; readonly label: string }

function table(rows: readonly (readonly [string, string])[]): readonly Entry[] {
  return rows.map(([cidr, what]) => {
    const range = parseCidr(cidr);
    if (typeof range === 'string') throw new Error(`ssrf table: ${range}`);
    return { range, label: `${cidr} (${what})` };
  });
}

/** Checked before the broad ranges that contain them, so the operator sees the precise reason. */
const METADATA = table([
  ['169.254.169.254', 'cloud metadata service: AWS, GCP, Azure, OCI, DigitalOcean'],
  ['169.254.170.2', 'cloud metadata: AWS ECS task credentials'],
  ['169.254.170.23', 'cloud metadata: AWS EKS pod identity'],
  ['100.100.100.200', 'cloud metadata: Alibaba Cloud'],
  ['168.63.129.16', 'cloud metadata: Azure WireServer'],
  ['192.0.0.192', 'cloud metadata: Oracle Cloud Classic'],
  ['fd00:ec2::254', 'cloud metadata: AWS IMDS over IPv6'],
  ['fd00:ec2::23', 'cloud metadata: AWS EKS pod identity over IPv6'],
]);

const IPV4 = table([
  ['255.255.255.255/32', 'limited broadcast'],
  ['0.0.0.0/8', '"this network"; 0.0.0.0 reaches the local host'],
  ['10.0.0.0/8', 'private, RFC 1918'],
  ['100.64.0.0/10', 'carrier-grade NAT, RFC 6598'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private, RFC 1918'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'TEST-NET-1 documentation'],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast'],
  ['192.168.0.0/16', 'private, RFC 1918'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'TEST-NET-2 documentation'],
  ['203.0.113.0/24', 'TEST-NET-3 documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
]);

const IPV6 = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'deprecated site-local'],
  ['ff00::/8', 'multicast'],
]);

const LOW_32 = 0xffff_ffffn;

interface Embedding { readonly range: IpRange; readonly label: string; readonly ipv4: (value: bigint) => bigint }

function embedding(network: string, prefix: number, what: string, ipv4: (value: bigint) => bigint): Embedding {
  // Built with rangeOf, not parseCidr, which would fold ::ffff:0:0/96 into IPv4 space.
  const addr = parseIp(network);
  if (addr === undefined) throw new Error(`ssrf table: bad address ${network}`);
  return { range: rangeOf(addr, prefix), label: `${network}/${prefix} (${what})`, ipv4 };
}

const last32 = (v: bigint): bigint => v & LOW_32;

/** IPv6 ranges whose packets end up at an IPv4 address, and where that address sits in the 128 bits. */
const EMBEDDINGS: readonly Embedding[] = [
  embedding('::ffff:0:0', 96, 'IPv4-mapped', last32),
  embedding('::ffff:0:0:0', 96, 'IPv4-translated', last32),
  embedding('::', 96, 'IPv4-compatible', last32),
  embedding('64:ff9b::', 96, 'NAT64', last32),
  embedding('2002::', 16, '6to4', (v) => (v >> 80n) & LOW_32),
  // Teredo stores the client's IPv4 address with every bit inverted in the last 32 bits.
  embedding('2001::', 32, 'Teredo', (v) => ~v & LOW_32),
];

function find(entries: readonly Entry[], ip: IpAddress): Entry | undefined {
  for (const e of entries) {
    if (e.range.family === ip.family && ip.value >= e.range.first && ip.value <= e.range.last) return e;
  }
  return undefined;
}

function checkIpv4(ip: IpAddress): string | undefined {
  return (find(METADATA, ip) ?? find(IPV4, ip))?.label;
}

/** Whether the proxy must refuse to connect to `ip`, and which range it falls in. Non-addresses are refused. */
export function isForbiddenAddress(ip: string): SsrfVerdict {
  const addr = parseIp(ip);
  if (addr === undefined) return { forbidden: true, range: `"${ip}" is not an IP address` };
  if (addr.family === 4) {
    const label = checkIpv4(addr);
    return label === undefined ? { forbidden: false } : { forbidden: true, range: label };
  }
  const direct = find(METADATA, addr) ?? find(IPV6, addr);
  if (direct) return { forbidden: true, range: direct.label };
  for (const e of EMBEDDINGS) {
    if (addr.value < e.range.first || addr.value > e.range.last) continue;
    const label = checkIpv4({ family: 4, value: e.ipv4(addr.value) });
    return label === undefined ? { forbidden: false } : { forbidden: true, range: `${e.label} embedding ${label}` };
  }
  return { forbidden: false };
}
