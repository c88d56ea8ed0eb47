/**
 * The anti-SSRF guard as the connect stage applies it: `security.ip_guard_enabled` plus
 * `security.ip_guard_exemptions`, compiled once per config. An exemption is an address range and a
 * port range (`127.0.0.1:8080`, `10.0.0.0/8:443`, `[::1]:9000-9010`), matched against the address
 * actually connected to, like the guard itself, so one internal service can be reached without
 * switching the guard off for every private address. Names are refused: a name would be checked
 * before DNS and let a rebinding name through.
 */
import { AclSyntaxError, parseAclRule, type PortRange } from './acl-rule.js';
import { joinHostPort } from '../host-port.js';
import { parseCanonicalIp, rangeContains, type IpRange } from './ip-address.js';
import { isForbiddenAddress } from './ssrf.js';

export interface SsrfExemption {
  readonly raw: string;
  readonly range: IpRange;
  readonly ports: PortRange;
}

export type GuardVerdict =
  | { readonly allow: true; /** The exemption that let a guarded address through. */ readonly exemption?: string }
  | { readonly allow: false; readonly range: string };

/** (connected address, port) -> verdict; total and cheap, called once per resolved address. */
export type SsrfGuard = (ip: string, port: number) => GuardVerdict;

const PORT_SPEC = /:(?:\*|\d{1,5}(?:-\d{1,5})?)$/;

/** Throws AclSyntaxError (same wording as ACL rules) naming what to write instead. */
export function parseSsrfExemption(raw: string): SsrfExemption {
  const rule = parseAclRule(raw);
  if (rule.host.kind !== 'ip') {
    throw new AclSyntaxError(raw, 'an exemption is an address or CIDR with a port (e.g. "127.0.0.1:8080", "10.0.0.0/8:443", "[::1]:9000"); host names are not accepted because the guard checks the connected address');
  }
  // A bare IPv6 address or a bare IPv4 parses as "all ports"; an exemption must say which ports it opens.
  const text = raw.trim();
  const hasPort = text.startsWith('[') ? /\]:/.test(text) && PORT_SPEC.test(text) : text.split(':').length === 2 && PORT_SPEC.test(text);
  if (!hasPort) {
    throw new AclSyntaxError(raw, 'an exemption needs a port: ADDRESS[/PREFIX]:PORT or [IPV6]:PORT, with a port, a range like 8000-8100, or * for every port');
  }
  return { raw, range: rule.host.range, ports: rule.ports };
}

export function compileSsrfGuard(enabled: boolean, exemptions: readonly string[]): SsrfGuard {
  if (!enabled) return () => ({ allow: true });
  const compiled = exemptions.map(parseSsrfExemption);
  return (ip, port) => {
    const v = isForbiddenAddress(ip);
    if (!v.forbidden) return { allow: true };
    const addr = parseCanonicalIp(ip);
    if (addr !== undefined) {
      for (const e of compiled) {
        if (port >= e.ports.low && port <= e.ports.high && rangeContains(e.range, addr)) return { allow: true, exemption: e.raw };
      }
    }
    return { allow: false, range: v.range };
  };
}

/** The operator's half of a refusal: what matched and the two ways out, by key name. */
export function guardRefusalHint(ip: string, port: number): string {
  return `allow this one target with security.ip_guard_exemptions = ["${joinHostPort(ip, port)}"], or turn the guard off with security.ip_guard_enabled = false (--set security.ip_guard_enabled=false)`;
}
