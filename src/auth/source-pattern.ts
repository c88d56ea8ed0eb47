/**
 * OpenSSH address pattern lists, as used by authorized_keys `from="..."` and by the certificate
 * critical option `source-address`. Compiled once when the key is loaded, matched per login.
 *
 * `from=` (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"): comma-separated entries, each optionally negated
 * with `!`, each a CIDR (`10.0.0.0/8`), an address, or a wildcard pattern (`192.168.1.*`, `?`).
 * A matching negated entry refuses outright; otherwise any positive match accepts. We match the
 * client address only (sshd's default `UseDNS no`): host-name patterns never match.
 *
 * `source-address` (PROTOCOL.certkeys): comma-separated CIDRs or addresses only, no negation.
 */
import { compileIpList, parseCanonicalIp, parseCidr, rangeContains, unmapIpv4Text, type IpRange } from '../policy/ip-address.js';

export const MAX_PATTERN_LIST_LENGTH = 4096;
const MAX_ENTRIES = 256;

type Entry = { negated: boolean; range: IpRange } | { negated: boolean; glob: RegExp; text: string };

export interface SourceMatcher {
  /** The list as written, for messages. */
  readonly source: string;
  matches(ip: string): boolean;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function splitList(list: string, what: string): string[] {
  if (list.length > MAX_PATTERN_LIST_LENGTH) throw new Error(`${what} is ${list.length} characters, limit ${MAX_PATTERN_LIST_LENGTH}`);
  const entries = list.split(',').map((e) => e.trim());
  if (entries.length > MAX_ENTRIES) throw new Error(`${what} has ${entries.length} entries, limit ${MAX_ENTRIES}`);
  if (entries.some((e) => e === '' || e === '!')) throw new Error(`${what} "${list}" has an empty entry`);
  return entries;
}

/** Compile a `from=` pattern list. Throws with a precise message on a malformed entry. */
export function compileFromPatterns(list: string): SourceMatcher {
  const entries: Entry[] = splitList(list, 'from= pattern list').map((raw) => {
    const negated = raw.startsWith('!');
    const text = negated ? raw.slice(1) : raw;
    if (/^[0-9a-fA-F:.]+\/\d+$/.test(text)) {
      const range = parseCidr(text);
      if (typeof range === 'string') throw new Error(`from= entry "${raw}": ${range}`);
      return { negated, range };
    }
    if (!/^[A-Za-z0-9.:*?_-]+$/.test(text)) throw new Error(`from= entry "${raw}" has characters other than a host, address, *, ? or CIDR`);
    return { negated, glob: globToRegExp(text), text };
  });
  return {
    source: list,
    matches(ip: string): boolean {
      const addr = parseCanonicalIp(ip);
      const textual = addr ? unmapIpv4Text(ip) : ip;
      let positive = false;
      for (const e of entries) {
        const hit = 'range' in e ? addr !== undefined && rangeContains(e.range, addr) : e.glob.test(textual);
        if (hit && e.negated) return false;
        if (hit) positive = true;
      }
      return positive;
    },
  };
}

/** Compile a certificate `source-address` list (CIDRs and addresses only). */
export function compileSourceAddress(list: string): SourceMatcher {
  const ips = compileIpList(splitList(list, 'source-address'), 'source-address entry');
  return { source: list, matches: (ip) => ips.contains(ip) };
}
