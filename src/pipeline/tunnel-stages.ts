/**
 * The per-tunnel stages (authorize -> limits -> connect) as functions over one context, shared by
 * every door: a SOCKS5 CONNECT or an SSH direct-tcpip channel runs all three and connects; a UDP
 * ASSOCIATE runs authorize and limits once (the association holds one tunnel slot), and each of its
 * datagrams runs authorize and the connect stage's address decision, without a TCP connect.
 */
import type { Clock } from '../clock.js';
import type { EffectiveUser } from '../config/users.js';
import { allow, deny, type Decision } from '../errors.js';
import type { CompiledAcl } from '../policy/acl.js';
import { connectTarget, resolveAllowed, type Connected } from '../relay/connect.js';
import type { DnsCache } from '../relay/dns-cache.js';
import { checkAccount } from './account.js';
import type { StageTable } from './run.js';
import type { AuthedSession, Target, TrafficMeter } from './types.js';
import type { World } from './world.js';

/** Per-user limits and quotas checked before each tunnel; the meter accounts and shapes its bytes. */
export interface LimitsStage {
  acquire(user: EffectiveUser, sourceIp?: string): Decision<TrafficMeter>;
}

export interface TunnelStageDeps {
  clock: Clock;
  limits: LimitsStage;
  dns: DnsCache;
  /** Aborted on shutdown: connects in flight give up. */
  shutdown?: AbortSignal | undefined;
}

/** What one tunnel request carries through its stages; each stage fills what the next one reads. */
export interface TunnelContext {
  readonly session: AuthedSession;
  readonly target: Target;
  /** The world when the request arrived: users removed or changed by a reload follow the new one. */
  readonly world: World;
  /** The live account (authorize). */
  user: EffectiveUser;
  acl?: CompiledAcl;
  /** The tunnel's slot and byte meter (limits); released by the caller when a later stage refuses. */
  meter?: TrafficMeter;
  /** The connected socket (connect, TCP). */
  connected?: Connected;
  /** The address a datagram goes to (connect, UDP). */
  address?: string;
  /** UDP ASSOCIATE: the user's open associations, for max_udp_sessions_per_user. */
  udpOpen?: number;
  /** UDP: only addresses of the relay socket's family. */
  family?: 4 | 6;
}

export function tunnelContext(session: AuthedSession, target: Target, world: World): TunnelContext {
  return { session, target, world, user: session.user };
}

/** authorize: the account still exists, may forward, passes its account rules now, and has an ACL. */
export function authorizeTunnel(clock: Clock) {
  return (ctx: TunnelContext): Decision => {
    const name = ctx.session.user.username;
    const current = ctx.world.users.get(name);
    if (current === undefined) return deny('SKS5_DENY_ACL', `${name}: user no longer exists`, 'account removed');
    ctx.user = current;
    if (!current.allowForwarding) return deny('SKS5_DENY_FORWARDING', `${name}: allow_forwarding = false`, 'port forwarding is disabled for this account');
    const acc = checkAccount(current, ctx.session.client.ip, clock.now());
    if (!acc.allow) return acc;
    const acl = ctx.world.acls.get(name);
    if (acl === undefined) return deny('SKS5_DENY_ACL', `${name}: no ACL compiled`, 'not allowed');
    ctx.acl = acl;
    return allow();
  };
}

/** limits: one tunnel slot and its meter (a UDP association first checks max_udp_sessions_per_user). */
export function acquireLimits(limits: LimitsStage) {
  return (ctx: TunnelContext): Decision => {
    const max = ctx.world.config.limits.max_udp_sessions_per_user;
    if (ctx.udpOpen !== undefined && max > 0 && ctx.udpOpen >= max) {
      return deny('SKS5_DENY_CONN_LIMIT', `${ctx.user.username}: ${ctx.udpOpen} UDP associations, max_udp_sessions_per_user = ${max}`, 'too many UDP associations');
    }
    const slot = limits.acquire(ctx.user, ctx.session.client.ip);
    if (!slot.allow) return slot;
    ctx.meter = slot.value;
    return allow();
  };
}

/** connect (TCP): ACL on the name, DNS, ACL on each address, anti-SSRF, then connect (retry, upstream). */
export function connectTunnel(deps: Pick<TunnelStageDeps, 'dns' | 'shutdown'>) {
  return async (ctx: TunnelContext): Promise<Decision> => {
    const { acl, user } = ctx;
    if (acl === undefined) return deny('SKS5_ERR_INTERNAL', 'connect stage ran before authorize', 'general failure');
    const cfg = ctx.world.config;
    let connected: Decision<Connected>;
    try {
      connected = await connectTarget(ctx.target, {
        acl,
        ipGuard: ctx.world.ssrfGuard,
        timeoutMs: Math.min(cfg.limits.connection_timeout, 300) * 1000,
        retries: user.connectRetry,
        retryDelayMs: user.connectRetryDelayMs,
        upstream: user.upstreamProxy,
        // socks5h:// is the usual spelling of "the proxy resolves names" (curl), so it opts in too.
        remoteDns: cfg.upstream_proxy?.remote_dns === true || user.upstreamProxy?.startsWith('socks5h://') === true,
      }, { dns: deps.dns, signal: deps.shutdown });
    } catch (err) {
      return deny('SKS5_ERR_INTERNAL', `connect engine error: ${(err as Error).message}`, 'general failure');
    }
    if (!connected.allow) return connected;
    ctx.connected = connected.value;
    return allow();
  };
}

/**
 * connect (UDP datagram): the same decision up to the address, without a connect. A datagram is
 * sent from our own socket, never through the upstream proxy (SOCKS5 UDP through an upstream is
 * not supported), so names are always resolved here and every address rule and the guard apply.
 */
export function routeDatagram(dns: DnsCache) {
  return async (ctx: TunnelContext): Promise<Decision> => {
    const { acl } = ctx;
    if (acl === undefined) return deny('SKS5_ERR_INTERNAL', 'connect stage ran before authorize', 'general failure');
    const r = await resolveAllowed(ctx.target, { acl, ipGuard: ctx.world.ssrfGuard }, { dns }, ctx.family);
    if (!r.allow) return r;
    ctx.address = r.value[0]!.ip;
    return allow();
  };
}

/** The three sequences; runStages runs each in the order of STAGES. */
export function tunnelSequences(deps: TunnelStageDeps): { tcp: StageTable<TunnelContext>; associate: StageTable<TunnelContext>; datagram: StageTable<TunnelContext> } {
  const authorize = authorizeTunnel(deps.clock);
  const limits = acquireLimits(deps.limits);
  return {
    tcp: { authorize, limits, connect: connectTunnel(deps) },
    associate: { authorize, limits },
    datagram: { authorize, connect: routeDatagram(deps.dns) },
  };
}
