/**
 * ACL rule syntax, parsed once at config load. A rule is `host[:port]` where host is `*`, an exact
 * hostname, `*.suffix`, an IPv4 address or CIDR, or an IPv6 address or CIDR (bracketed when a port
 * follows; a bare IPv6 means all ports), and port is `*`, `443` or `80-443`.
 */
import { domainToASCII } from 'node:url';
import { formatRange, parseCidr, type IpRange } from './ip-address.js';

/** Longer than any hostname (253) plus a port range; bounds the work done on hostile config. */
export const MAX_ACL_RULE_LENGTH = 300;

export class AclSyntaxError extends Error {
  readonly rule: string;
  constructor(rule: string, problem: string) {
    super(`invalid ACL rule "${rule.length > 80 ? `${rule.slice(0, 80)}...` : rule}": ${problem}`);
    this.name = 'AclSyntaxError';
    this.rule = rule;
  }
}

export type AclHost =
  | { readonly kind: 'any' }
  /** Lowercase, without a trailing dot. */
  | { readonly kind: 'name'; readonly name: string }
  /** `*.example.com` is stored as suffix `example.com`; it matches the apex too. */
  | { readonly kind: 'wildcard'; readonly suffix: string }
  /** A single address is a /32 or /128 range. */
  | { readonly kind: 'ip'; readonly range: IpRange };

export interface PortRange {
  readonly low: number;
  readonly high: number;
}

export interface AclRule {
  /** The rule as written in the config, for operator messages. */
  readonly raw: string;
  readonly host: AclHost;
  readonly ports: PortRange;
}

/** `*` and an absent port also cover port 0, which no explicit range can name. */
export const ANY_PORT: PortRange = Object.freeze({ low: 0, high: 65535 });

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const PORT = /^\d{1,5}$/;

function parsePortNumber(rule: string, text: string): number {
  if (!PORT.test(text)) throw new AclSyntaxError(rule, `port "${text}" must be a number 1..65535, a range like 80-443, or *`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new AclSyntaxError(rule, `port ${port} is out of range 1..65535`);
  return port;
}

function parsePorts(rule: string, text: string | undefined): PortRange {
  if (text === undefined || text === '*') return ANY_PORT;
  if (text === '') throw new AclSyntaxError(rule, 'missing port after ":" (use * for all ports)');
  const dash = text.indexOf('-');
  if (dash === -1) {
    const port = parsePortNumber(rule, text);
    return { low: port, high: port };
  }
  const low = parsePortNumber(rule, text.slice(0, dash));
  const high = parsePortNumber(rule, text.slice(dash + 1));
  if (low > high) throw new AclSyntaxError(rule, `port range ${low}-${high} is reversed (low must be <= high)`);
  return { low, high };
}

/** Lowercase and drop one trailing dot: `Example.COM.` and `example.com` name the same host. */
export function normalizeHostname(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The form of a requested name that rules are compared with. Rules store internationalised names
 * as punycode; converting the request too means `www.bücher.de` (or full-width look-alikes, which
 * IDNA maps to ASCII) cannot slip past a rule written for `*.bücher.de`.
 */
export function requestedName(host: string): string {
  if (!NON_ASCII.test(host)) return normalizeHostname(host);
  const ascii = domainToASCII(host);
  return normalizeHostname(ascii === '' ? host : ascii);
}

function parseHostname(rule: string, text: string): string {
  // Clients send internationalised names in their ASCII (punycode) form, so rules are stored that way.
  const isAscii = !NON_ASCII.test(text);
  const ascii = isAscii ? text : domainToASCII(text);
  if (!isAscii && ascii === '') throw new AclSyntaxError(rule, `"${text}" is not a valid internationalised hostname`);
  const name = normalizeHostname(ascii);
  if (name === '') throw new AclSyntaxError(rule, 'empty host');
  if (name.length > 253) throw new AclSyntaxError(rule, `hostname is ${name.length} characters (max 253)`);
  const labels = name.split('.');
  for (const label of labels) {
    if (label === '') throw new AclSyntaxError(rule, `hostname "${text}" has an empty label`);
    if (label.includes('*')) throw new AclSyntaxError(rule, `"*" is only allowed alone or as a leading "*." in "${text}"`);
    if (!LABEL.test(label)) throw new AclSyntaxError(rule, `hostname label "${label}" must be 1-63 letters, digits, "-" or "_", not starting or ending with "-"`);
  }
  // A numeric last label is never a real TLD: this is a mistyped IPv4 address, which would
  // otherwise silently become a name rule that never matches anything.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) {
    throw new AclSyntaxError(rule, `"${text}" is neither a valid IPv4 address nor a hostname`);
  }
  return name;
}

function parseAddress(rule: string, text: string, bracketed: boolean): IpRange {
  if (bracketed && !text.includes(':')) throw new AclSyntaxError(rule, `"${text}" inside brackets must be an IPv6 address`);
  const range = parseCidr(text);
  if (typeof range === 'string') throw new AclSyntaxError(rule, range);
  return range;
}

function parseHost(rule: string, text: string): AclHost {
  if (text === '*') return { kind: 'any' };
  if (text === '') throw new AclSyntaxError(rule, 'empty host (use * for any host)');
  if (text.includes('/')) return { kind: 'ip', range: parseAddress(rule, text, false) };
  if (/^[\d.]+$/.test(text)) {
    const range = parseCidr(text);
    if (typeof range === 'string') throw new AclSyntaxError(rule, `"${text}" is not a valid IPv4 address`);
    return { kind: 'ip', range };
  }
  if (text.startsWith('*.')) return { kind: 'wildcard', suffix: parseHostname(rule, text.slice(2)) };
  return { kind: 'name', name: parseHostname(rule, text) };
}

/** Parse one rule; throws AclSyntaxError saying which rule and what is wrong. */
export function parseAclRule(raw: string): AclRule {
  if (typeof raw !== 'string') throw new AclSyntaxError(String(raw), 'a rule must be a string');
  if (raw.length > MAX_ACL_RULE_LENGTH) throw new AclSyntaxError(raw, `rule is ${raw.length} characters (max ${MAX_ACL_RULE_LENGTH})`);
  const text = raw.trim();
  if (text === '') throw new AclSyntaxError(raw, 'empty rule');
  if (/\s/.test(text)) throw new AclSyntaxError(raw, 'whitespace inside a rule');

  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) throw new AclSyntaxError(raw, 'missing "]" after a bracketed IPv6 address');
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw new AclSyntaxError(raw, `expected ":port" after "]", found "${after}"`);
    const range = parseAddress(raw, text.slice(1, close), true);
    return { raw, host: { kind: 'ip', range }, ports: parsePorts(raw, after === '' ? undefined : after.slice(1)) };
  }

  const firstColon = text.indexOf(':');
  if (firstColon !== -1 && text.indexOf(':', firstColon + 1) !== -1) {
    // Two or more colons: an IPv6 address or CIDR without brackets, which covers all ports.
    if (!/^[\da-f:./]+$/i.test(text)) throw new AclSyntaxError(raw, 'more than one ":"; write host:port, or [ipv6]:port for an IPv6 address');
    const range = parseCidr(text);
    if (typeof range === 'string') {
      throw new AclSyntaxError(raw, `not a valid IPv6 address (${range}); write an IPv6 address with a port as [addr]:port`);
    }
    return { raw, host: { kind: 'ip', range }, ports: ANY_PORT };
  }

  const host = firstColon === -1 ? text : text.slice(0, firstColon);
  const port = firstColon === -1 ? undefined : text.slice(firstColon + 1);
  return { raw, host: parseHost(raw, host), ports: parsePorts(raw, port) };
}

function formatPorts(ports: PortRange): string {
  if (ports.low === ANY_PORT.low && ports.high === ANY_PORT.high) return '*';
  return ports.low === ports.high ? String(ports.low) : `${ports.low}-${ports.high}`;
}

/** Canonical text of a rule: parseAclRule(formatAclRule(r)) matches exactly what r matches. */
export function formatAclRule(rule: Pick<AclRule, 'host' | 'ports'>): string {
  const ports = formatPorts(rule.ports);
  switch (rule.host.kind) {
    case 'any': return `*:${ports}`;
    case 'name': return `${rule.host.name}:${ports}`;
    case 'wildcard': return `*.${rule.host.suffix}:${ports}`;
    case 'ip': {
      const range = formatRange(rule.host.range);
      return rule.host.range.family === 6 ? `[${range}]:${ports}` : `${range}:${ports}`;
    }
  }
}
