/**
 * A ShellPort over the server's real pieces, so `test`, `ping` and `resolve` answer exactly as a
 * forward would: ACL precheck on the name, DNS through the server's cache, ACL on every resolved
 * address plus the anti-SSRF guard (relay/connect.ts `filterAddresses`), then, for `test` only, a
 * real TCP connect that is closed at once. The server-side state comes in as small functions,
 * so the lead wires it with one line each and tests can pass fakes.
 */
import { isIP } from 'node:net';
import type { Clock } from '../clock.js';
import { joinHostPort } from '../host-port.js';
import type { CompiledAcl } from '../policy/acl.js';
import type { SsrfGuard } from '../policy/ssrf-guard.js';
import { filterAddresses } from '../relay/connect.js';
import { tcpConnect } from '../relay/tcp-connect.js';
import type { AccessCheck, BandwidthUsage, ConnectTest, LiveConnection, QuotaUsage, ShellPort, ShellSessionInfo, ShellUserStore } from './port.js';

/** One live tunnel as the session registry records it. */
export interface TunnelView {
  readonly targetHost: string;
  readonly targetPort: number;
  readonly startedAt: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly door: string;
}

/** The quota ledger's usage, in the names of policy/quota.ts `QuotaUsage`. */
export interface UsageView {
  readonly daily_bytes: number;
  readonly daily_connections: number;
  readonly monthly_bytes: number;
  readonly monthly_connections: number;
  readonly current_rate_bps: number;
  readonly hourly_bytes: number;
  readonly total_bytes: number;
}

export interface ServerShellPortDeps {
  /** The user's compiled ACL in the current world (`world().acls.get(name)`). */
  acl(username: string): CompiledAcl | undefined;
  /** The anti-SSRF guard (enabled flag and exemptions) of the current world. */
  ipGuard(): SsrfGuard;
  /** Connect timeout for `test`, ms. */
  connectTimeoutMs(): number;
  /** The server's DNS cache. */
  readonly dns: { resolve(host: string): Promise<string[]> };
  /**
   * Account checks a forward would run before connecting (source IPs, time window, expiry,
   * allow_forwarding): a client-facing reason when refused, undefined when fine.
   */
  accountRefusal?(session: ShellSessionInfo): string | undefined;
  tunnels(username: string): readonly TunnelView[];
  usage(username: string): UsageView;
  readonly store: ShellUserStore;
  readonly clock: Clock;
}

const DNS_TIMEOUT_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('DNS timeout')), ms);
    const onAbort = (): void => { clearTimeout(timer); reject(new Error('interrupted')); };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => { clearTimeout(timer); signal.removeEventListener('abort', onAbort); });
  });
}

export function createServerShellPort(deps: ServerShellPortDeps): ShellPort {
  const policy = async (session: ShellSessionInfo, host: string, port: number, signal: AbortSignal): Promise<AccessCheck & { ips?: string[] }> => {
    const refusal = deps.accountRefusal?.(session);
    if (refusal) return { allowed: false, reason: refusal };
    const acl = deps.acl(session.user.username);
    if (!acl) return { allowed: false, reason: 'no ACL for this account' };
    const pre = acl.precheck(host, port);
    if (pre.decision === 'deny') return { allowed: false, rule: pre.rule ?? `default policy: ${acl.defaultPolicy}`, reason: pre.reason };
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await withTimeout(deps.dns.resolve(host), DNS_TIMEOUT_MS, signal);
    } catch (err) {
      return { allowed: false, reason: `DNS lookup failed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
    const allowed = filterAddresses({ host, port }, addresses, { acl, ipGuard: deps.ipGuard() });
    if (!allowed.allow) {
      const ruleMatch = /(?:deny )?rule "([^"]+)"/.exec(allowed.operator);
      return { allowed: false, rule: ruleMatch?.[1] ?? (allowed.code === 'SKS5_DENY_SSRF' ? 'anti-SSRF guard' : `default policy: ${acl.defaultPolicy}`), reason: allowed.operator, addresses };
    }
    const first = allowed.value[0]!;
    return {
      allowed: true,
      rule: first.rule ?? `default policy: ${acl.defaultPolicy}`,
      reason: first.rule ? 'allowed by rule' : 'no rule matched; the default policy allows',
      addresses,
      ips: allowed.value.map((a) => a.ip),
    };
  };

  return {
    activeConnections: (username): LiveConnection[] => deps.tunnels(username).map((t) => ({
      target: joinHostPort(t.targetHost, t.targetPort),
      protocol: t.door, startedAt: t.startedAt, bytesUp: t.bytesUp, bytesDown: t.bytesDown,
    })),
    bandwidth: (username): BandwidthUsage => {
      const u = deps.usage(username);
      return { hourlyBytes: u.hourly_bytes, dailyBytes: u.daily_bytes, monthlyBytes: u.monthly_bytes, totalBytes: u.total_bytes, currentBytesPerSec: u.current_rate_bps };
    },
    quota: (username): QuotaUsage => {
      const u = deps.usage(username);
      return { hourlyBytes: u.hourly_bytes, dailyBytes: u.daily_bytes, dailyConnections: u.daily_connections, monthlyBytes: u.monthly_bytes, monthlyConnections: u.monthly_connections, totalBytes: u.total_bytes };
    },
    connectionHistory: (username) => {
      const u = deps.usage(username);
      return { today: u.daily_connections, month: u.monthly_connections, todayBytes: u.daily_bytes, monthBytes: u.monthly_bytes };
    },
    async checkAccess(session, host, port, signal) {
      const { ips: _ips, ...check } = await policy(session, host, port, signal);
      return check;
    },
    async testConnect(session, host, port, signal): Promise<ConnectTest> {
      const { ips, ...check } = await policy(session, host, port, signal);
      if (!check.allowed || !ips) return check;
      const started = deps.clock.monotonic();
      let lastError = 'no address';
      for (const ip of ips) {
        if (signal.aborted) break;
        try {
          const socket = await tcpConnect(ip, port, deps.connectTimeoutMs(), signal);
          socket.destroy();
          return { ...check, addresses: [ip], connected: true, ms: deps.clock.monotonic() - started };
        } catch (err) {
          lastError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        }
      }
      return { ...check, connected: false, ms: deps.clock.monotonic() - started, error: signal.aborted ? 'interrupted' : lastError };
    },
    resolve: (name, signal) => withTimeout(deps.dns.resolve(name), DNS_TIMEOUT_MS, signal),
    store: deps.store,
  };
}
