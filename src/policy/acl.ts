/**
 * The ACL engine. Rules are parsed and their CIDRs turned into bigint ranges once, at config load;
 * each connection then costs one pass of integer and string comparisons.
 *
 * Evaluation: every deny rule first (any match denies, whatever the order in the config), then the
 * allow rules, else `default_policy`. Name rules match the name the client asked for; address rules
 * match the address we actually connect to, so a hostname cannot smuggle a connection past a CIDR
 * deny rule. The proxy calls `precheck` before DNS and `check` after it, and connects only after
 * `check` allows: nothing, not even a SYN, reaches a denied address.
 */
import { parseAclRule, requestedName, type AclRule } from './acl-rule.js';
import { parseCanonicalIp, rangeContains, type IpAddress, type IpRange } from './ip-address.js';

export { AclSyntaxError, ANY_PORT, formatAclRule, MAX_ACL_RULE_LENGTH, normalizeHostname, parseAclRule, requestedName } from './acl-rule.js';
export type { AclHost, AclRule, PortRange } from './acl-rule.js';

export interface AclVerdict {
  readonly decision: 'allow' | 'deny';
  /** Raw text of the rule that decided, absent when the default policy did. */
  readonly rule?: string;
  /** For operators: `deny rule "10.0.0.0/8:*"`, `default policy deny`. */
  readonly reason: string;
}

export type AclPrecheck = AclVerdict | { readonly decision: 'resolve' };

export interface AclInput {
  readonly default_policy: 'allow' | 'deny';
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

export interface CompiledAcl {
  /**
   * Before DNS. 'deny' when the outcome is deny whatever the name resolves to (a name or wildcard
   * deny rule matches, or no rule could allow it and the default is deny); 'allow' only when the
   * host is an IP literal (then the verdict is final); otherwise 'resolve'.
   */
  precheck(host: string, port: number): AclPrecheck;
  /** After DNS: the final verdict for connecting to `ip` for a request naming `host` (host may equal ip). */
  check(host: string, ip: string, port: number): AclVerdict;
  /**
   * The final verdict for a name whose address we never learn (an upstream proxy resolves it):
   * name rules decide, address rules cannot match, then the default policy.
   */
  checkName(host: string, port: number): AclVerdict;
  /** Deny rules, then allow rules: the evaluation order. */
  readonly rules: readonly AclRule[];
  readonly deny: readonly AclRule[];
  readonly allow: readonly AclRule[];
  readonly defaultPolicy: 'allow' | 'deny';
}

type Kind = 'any' | 'name' | 'wildcard' | 'address';

interface Matcher {
  readonly kind: Kind;
  readonly low: number;
  readonly high: number;
  /** Exact name, or the wildcard suffix. */
  readonly name: string;
  /** `.example.com` for `*.example.com`, so matching is one endsWith with no concatenation. */
  readonly dotSuffix: string;
  readonly range: IpRange | undefined;
  readonly verdict: AclVerdict;
}

function compileRule(rule: AclRule, decision: 'allow' | 'deny'): Matcher {
  const verdict: AclVerdict = Object.freeze({ decision, rule: rule.raw, reason: `${decision} rule "${rule.raw}"` });
  const base = { low: rule.ports.low, high: rule.ports.high, verdict, name: '', dotSuffix: '', range: undefined };
  switch (rule.host.kind) {
    case 'any': return { ...base, kind: 'any' };
    case 'name': return { ...base, kind: 'name', name: rule.host.name };
    case 'wildcard': return { ...base, kind: 'wildcard', name: rule.host.suffix, dotSuffix: `.${rule.host.suffix}` };
    case 'ip': return { ...base, kind: 'address', range: rule.host.range };
  }
}

/** Does the rule's host part match? `name` is undefined for an IP literal, `addr` before DNS. */
function hostMatches(m: Matcher, name: string | undefined, addr: IpAddress | undefined): boolean {
  switch (m.kind) {
    case 'any': return true;
    case 'name': return name === m.name;
    // `*.example.com` also covers `example.com` itself: the original's documented behaviour.
    case 'wildcard': return name !== undefined && (name === m.name || name.endsWith(m.dotSuffix));
    case 'address': return addr !== undefined && m.range !== undefined && rangeContains(m.range, addr);
  }
}

/** The first matcher covering `port` whose host matches (or, with `anyHost`, whose host might match after DNS). */
function first(matchers: readonly Matcher[], port: number, name: string | undefined, addr: IpAddress | undefined, anyHost = false): Matcher | undefined {
  for (const m of matchers) {
    if (port >= m.low && port <= m.high && (anyHost || hostMatches(m, name, addr))) return m;
  }
  return undefined;
}

function compileList(rules: readonly string[], decision: 'allow' | 'deny'): { rules: AclRule[]; matchers: Matcher[] } {
  const parsed = rules.map((raw) => parseAclRule(raw));
  return { rules: parsed, matchers: parsed.map((r) => compileRule(r, decision)) };
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}

/** Compile at config load; throws AclSyntaxError on the first bad rule. */
export function compileAcl(acl: AclInput): CompiledAcl {
  const deny = compileList(acl.deny, 'deny');
  const allow = compileList(acl.allow, 'allow');
  const defaultPolicy = acl.default_policy;
  const defaultVerdict: AclVerdict = Object.freeze({ decision: defaultPolicy, reason: `default policy ${defaultPolicy}` });
  const noAllowPossible: AclVerdict = Object.freeze({ decision: 'deny', reason: 'default policy deny (no allow rule can match this host and port)' });
  const resolve = Object.freeze({ decision: 'resolve' as const });
  // Address allow rules can only be decided after DNS; name allow rules already before it.
  const addressAllow = allow.matchers.filter((m) => m.kind === 'address');
  const nameAllow = allow.matchers.filter((m) => m.kind !== 'address');
  const nameDeny = deny.matchers.filter((m) => m.kind !== 'address');

  function badInput(what: string): AclVerdict {
    return { decision: 'deny', reason: what };
  }

  function evaluate(name: string | undefined, addr: IpAddress, port: number): AclVerdict {
    return (first(deny.matchers, port, name, addr) ?? first(allow.matchers, port, name, addr))?.verdict ?? defaultVerdict;
  }

  function check(host: string, ip: string, port: number): AclVerdict {
    if (!isPort(port)) return badInput(`invalid port ${String(port)}`);
    const addr = parseCanonicalIp(ip);
    if (addr === undefined) return badInput(`"${ip}" is not an IP address`);
    const hostAddr = parseCanonicalIp(host);
    if (hostAddr === undefined) return evaluate(requestedName(host), addr, port);
    // The request named an IP: connecting anywhere else is a caller bug, so both must pass.
    const named = evaluate(undefined, hostAddr, port);
    if (named.decision === 'deny' || (hostAddr.family === addr.family && hostAddr.value === addr.value)) return named;
    return evaluate(undefined, addr, port);
  }

  function checkName(host: string, port: number): AclVerdict {
    if (!isPort(port)) return badInput(`invalid port ${String(port)}`);
    if (parseCanonicalIp(host) !== undefined) return check(host, host, port);
    const name = requestedName(host);
    const hit = first(nameDeny, port, name, undefined) ?? first(nameAllow, port, name, undefined);
    return hit ? hit.verdict : { decision: defaultPolicy, reason: `default policy ${defaultPolicy} (address rules not applied: the upstream proxy resolves the name)` };
  }

  function precheck(host: string, port: number): AclPrecheck {
    if (!isPort(port)) return badInput(`invalid port ${String(port)}`);
    if (parseCanonicalIp(host) !== undefined) return check(host, host, port);
    const name = requestedName(host);
    const denied = first(nameDeny, port, name, undefined);
    if (denied) return denied.verdict;
    if (defaultPolicy === 'deny' && !first(nameAllow, port, name, undefined) && !first(addressAllow, port, undefined, undefined, true)) {
      return noAllowPossible;
    }
    return resolve;
  }

  return Object.freeze({
    precheck,
    check,
    checkName,
    rules: Object.freeze([...deny.rules, ...allow.rules]),
    deny: Object.freeze(deny.rules),
    allow: Object.freeze(allow.rules),
    defaultPolicy,
  });
}

/**
 * Advice for `check-config` about rules that parse but probably do not do what was meant.
 * Throws AclSyntaxError like compileAcl.
 */
export function aclWarnings(acl: AclInput): string[] {
  const compiled = compileAcl(acl);
  const warnings: string[] = [];
  if (compiled.defaultPolicy === 'allow' && compiled.allow.length > 0) {
    warnings.push('allow rules have no effect with default_policy "allow" (deny rules always win); did you mean default_policy = "deny"?');
  }
  if (compiled.defaultPolicy === 'allow' && compiled.deny.length > 0 && compiled.deny.every((r) => r.host.kind === 'name' || r.host.kind === 'wildcard')) {
    warnings.push('all deny rules are hostnames: a client can still reach those hosts by IP address; add CIDR deny rules for their addresses');
  }
  return warnings;
}
