/**
 * The connect engine: resolve -> check (ACL on the address, anti-SSRF) -> connect, in that order,
 * so nothing ever reaches a denied address (no SYN, no timing oracle) and the address checked is
 * the address connected to (no DNS-rebinding window). Smart retry with exponential backoff capped
 * at 10 s; optional upstream SOCKS5 proxy, reached with the already-checked address (or, with
 * remote_dns, with the name, for the upstream to resolve).
 */
import { isIP, type Socket } from 'node:net';
import type { CompiledAcl } from '../policy/acl.js';
import { guardRefusalHint, type SsrfGuard } from '../policy/ssrf-guard.js';
import { allow, codeFromSocketError, connectFailureText, deny, type Decision, type ErrorCode } from '../errors.js';
import type { DnsCache } from './dns-cache.js';
import type { Target } from '../pipeline/types.js';
import { connectViaUpstream, parseUpstreamUrl, type UpstreamProxy } from './upstream.js';
import { tcpConnect } from './tcp-connect.js';

export interface ConnectPolicy {
  acl: CompiledAcl;
  /** `security.ip_guard_enabled` and its exemptions, compiled with the world. */
  ipGuard: SsrfGuard;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  upstream?: string | undefined;
  /**
   * Send names to the upstream proxy unresolved (SOCKS5 ATYP domain), for upstreams that reach
   * another network (Tor, a VPN's resolver). Name rules still apply; address rules and the
   * anti-SSRF guard cannot see the address, which only the upstream learns. Off by default.
   */
  remoteDns?: boolean | undefined;
}

export interface Connected {
  socket: Socket;
  /** The address connected to; empty when the upstream proxy resolved the name (remote DNS). */
  resolvedIp: string;
  rule?: string | undefined;
}

export interface ConnectDeps {
  dns: DnsCache;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal | undefined;
}

const MAX_BACKOFF_MS = 10_000;

export function backoffDelay(baseMs: number, attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt);
}

/** Decide which resolved addresses may be used: ACL on each address, then the SSRF guard. */
export function filterAddresses(target: Target, addresses: readonly string[], policy: Pick<ConnectPolicy, 'acl' | 'ipGuard'>): Decision<{ ip: string; rule?: string }[]> {
  const ok: { ip: string; rule?: string }[] = [];
  let firstDenial: { code: ErrorCode; operator: string } | undefined;
  for (const ip of addresses) {
    const v = policy.acl.check(target.host, ip, target.port);
    if (v.decision === 'deny') {
      firstDenial ??= { code: 'SKS5_DENY_ACL', operator: `${target.host}:${target.port} -> ${ip}: ${v.reason}` };
      continue;
    }
    const g = policy.ipGuard(ip, target.port);
    if (!g.allow) {
      firstDenial ??= { code: 'SKS5_DENY_SSRF', operator: `${target.host}:${target.port} -> ${ip}: anti-SSRF guard (${g.range}); ${guardRefusalHint(ip, target.port)}` };
      continue;
    }
    ok.push(v.rule === undefined ? { ip } : { ip, rule: v.rule });
  }
  if (ok.length === 0) {
    const d = firstDenial ?? { code: 'SKS5_ERR_DNS' as const, operator: `${target.host}: no address` };
    return deny(d.code, d.operator, d.code === 'SKS5_DENY_SSRF' ? 'destination address not allowed' : d.code === 'SKS5_ERR_DNS' ? 'host not found' : 'not allowed by ruleset');
  }
  return { allow: true, value: ok };
}

/** The ACL's pre-check on the name and port, before anything is resolved: nothing is looked up for a denied target. */
function precheckTarget(target: Target, acl: CompiledAcl): Decision {
  const pre = acl.precheck(target.host, target.port);
  if (pre.decision === 'deny') return deny('SKS5_DENY_ACL', `${target.host}:${target.port}: ${pre.reason}`, 'not allowed by ruleset');
  if (target.port === 0) return deny('SKS5_DENY_ACL', `${target.host}:0: port 0 refused`, 'port 0 not allowed');
  return allow();
}

/**
 * The connect stage up to the address: ACL on the name, DNS, ACL on each address, anti-SSRF. A TCP
 * tunnel connects to what it returns; a UDP datagram is sent to its first address. `family`
 * keeps only the addresses a socket of that family can reach (a udp4 socket cannot send to IPv6).
 */
export async function resolveAllowed(target: Target, policy: Pick<ConnectPolicy, 'acl' | 'ipGuard'>, deps: Pick<ConnectDeps, 'dns'>, family?: 4 | 6): Promise<Decision<{ ip: string; rule?: string }[]>> {
  const pre = precheckTarget(target, policy.acl);
  return pre.allow ? resolveChecked(target, policy, deps, family) : pre;
}

async function resolveChecked(target: Target, policy: Pick<ConnectPolicy, 'acl' | 'ipGuard'>, deps: Pick<ConnectDeps, 'dns'>, family?: 4 | 6): Promise<Decision<{ ip: string; rule?: string }[]>> {
  let addresses: string[];
  if (isIP(target.host)) addresses = [target.host];
  else {
    try {
      addresses = await deps.dns.resolve(target.host);
    } catch (err) {
      return deny('SKS5_ERR_DNS', `${target.host}: DNS lookup failed (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'host not found');
    }
  }
  return filterAddresses(target, family === undefined ? addresses : addresses.filter((a) => isIP(a) === family), policy);
}

export async function connectTarget(target: Target, policy: ConnectPolicy, deps: ConnectDeps): Promise<Decision<Connected>> {
  const pre = precheckTarget(target, policy.acl);
  if (!pre.allow) return pre;

  const upstream = policy.upstream ? parseUpstreamUrl(policy.upstream) : undefined;
  if (upstream && policy.remoteDns && !isIP(target.host)) return connectRemoteName(target, upstream, policy, deps);

  const allowed = await resolveChecked(target, policy, deps);
  if (!allowed.allow) return allowed;

  return withRetries(target, policy, deps, allowed.value, ({ ip }) => (upstream
    ? connectViaUpstream(upstream, ip, target.port, policy.timeoutMs)
    : tcpConnect(ip, target.port, policy.timeoutMs, deps.signal)));
}

/** A name the local guard would refuse whatever it resolves to; the upstream's own loopback too. */
function isLocalName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/** remote_dns: the name decides (ACL name rules), the upstream resolves and connects. */
async function connectRemoteName(target: Target, upstream: UpstreamProxy, policy: ConnectPolicy, deps: ConnectDeps): Promise<Decision<Connected>> {
  const v = policy.acl.checkName(target.host, target.port);
  if (v.decision === 'deny') return deny('SKS5_DENY_ACL', `${target.host}:${target.port}: ${v.reason}`, 'not allowed by ruleset');
  // A localhost name means loopback wherever it is resolved: guarded (and exempted) as 127.0.0.1 is.
  const g = isLocalName(target.host) ? policy.ipGuard('127.0.0.1', target.port) : { allow: true as const };
  if (!g.allow) {
    return deny('SKS5_DENY_SSRF', `${target.host}:${target.port}: anti-SSRF guard (a localhost name, with remote DNS; ${g.range}); ${guardRefusalHint('127.0.0.1', target.port)}`, 'destination address not allowed');
  }
  return withRetries(target, policy, deps, [{ ip: '', rule: v.rule }], () => connectViaUpstream(upstream, target.host, target.port, policy.timeoutMs));
}

/** Each candidate in turn, the whole list retried with backoff; the last error names the failure. */
async function withRetries(target: Target, policy: ConnectPolicy, deps: ConnectDeps, candidates: readonly { ip: string; rule?: string | undefined }[],
  open: (c: { ip: string }) => Promise<Socket>): Promise<Decision<Connected>> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let lastErr: unknown;
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(policy.retryDelayMs, attempt - 1));
    if (deps.signal?.aborted) break;
    for (const c of candidates) {
      try {
        const socket = await open(c);
        return { allow: true, value: { socket, resolvedIp: c.ip, rule: c.rule } };
      } catch (err) {
        lastErr = err;
      }
    }
  }
  const code = codeFromSocketError(lastErr);
  const msg = (lastErr as Error | undefined)?.message ?? 'connect failed';
  return deny(code, `${target.host}:${target.port}: ${msg}${policy.retries > 0 ? ` after ${policy.retries + 1} attempts` : ''}`, connectFailureText(code));
}
