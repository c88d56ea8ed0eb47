/**
 * UDP ASSOCIATE (RFC 1928 section 7). One association per request: a client-facing UDP socket that
 * only accepts datagrams from the client's address, and an outbound socket that only accepts replies
 * from targets the client has sent to. Every datagram's target passes the same ACL and anti-SSRF
 * checks as a TCP tunnel; bytes count against the user's quotas; the association ends with the TCP
 * control connection or after `udp_relay_timeout` of silence.
 */
import { createSocket } from 'node:dgram';
import { isIP, type Socket } from 'node:net';
import { encodeRefusal, encodeReply, encodeUdpDatagram, parseUdpDatagram } from './codec.js';
import { unmapIpv4Text } from '../policy/ip-address.js';
import { filterAddresses } from '../relay/connect.js';
import type { Pipeline } from '../pipeline/engine.js';
import type { LimitsStage } from '../pipeline/engine.js';
import type { AuthedSession } from '../pipeline/types.js';
import { SOCKS_REPLY } from '../errors.js';

export interface UdpAssociations {
  pipeline: Pipeline;
  limits: LimitsStage;
  /** live association count per user, for max_udp_sessions_per_user */
  perUser: Map<string, number>;
}

export function createUdpAssociations(pipeline: Pipeline, limits: LimitsStage): UdpAssociations {
  return { pipeline, limits, perUser: new Map() };
}

const MAX_TARGETS = 1024;

export async function startUdpAssociate(control: Socket, session: AuthedSession, req: { host: string; port: number }, ctx: UdpAssociations): Promise<void> {
  const { pipeline } = ctx;
  const cfg = pipeline.config;
  const user = session.user;
  const max = cfg.limits.max_udp_sessions_per_user;
  const current = ctx.perUser.get(user.username) ?? 0;
  const log = pipeline.log.child({ conn_id: session.client.connId, user: user.username, door: session.client.door });
  if (!user.allowForwarding || (max > 0 && current >= max)) {
    log.warn(!user.allowForwarding ? 'UDP ASSOCIATE refused: forwarding disabled' : `UDP ASSOCIATE refused: ${current} sessions, max_udp_sessions_per_user = ${max}`);
    control.end(encodeRefusal(!user.allowForwarding ? 'SKS5_DENY_FORWARDING' : 'SKS5_DENY_CONN_LIMIT'));
    return;
  }
  const slot = ctx.limits.acquire(user, session.client.ip);
  if (!slot.allow) {
    log.warn(`UDP ASSOCIATE refused: ${slot.operator}`);
    control.end(encodeRefusal(slot.code));
    return;
  }
  const meter = slot.value;
  ctx.perUser.set(user.username, current + 1);

  const localIp = unmapIpv4Text(control.localAddress ?? '127.0.0.1');
  const family = isIP(localIp) === 6 ? 'udp6' : 'udp4';
  const inbound = createSocket({ type: family });
  const outbound = createSocket({ type: family });
  const clientIp = unmapIpv4Text(control.remoteAddress ?? '');
  // Where the client said it will send from (0.0.0.0:0 / port 0 = learn from the first datagram).
  const expectedPort = req.port;
  let clientPort: number | undefined = expectedPort !== 0 ? expectedPort : undefined;
  const allowedTargets = new Map<string, true>();
  let last = Date.now();
  let closed = false;
  let up = 0;
  let down = 0;

  const close = (reason: string): void => {
    if (closed) return;
    closed = true;
    clearInterval(idleTimer);
    inbound.close();
    outbound.close();
    meter.release();
    ctx.perUser.set(user.username, (ctx.perUser.get(user.username) ?? 1) - 1);
    control.destroy();
    log.info({ bytes_up: up, bytes_down: down, reason }, 'udp association closed');
  };

  await new Promise<void>((resolve, reject) => {
    inbound.once('error', reject);
    inbound.bind(0, localIp, () => { inbound.off('error', reject); resolve(); });
  }).catch((err: Error) => { log.warn(`UDP bind failed: ${err.message}`); control.end(encodeRefusal('SKS5_ERR_INTERNAL')); close('bind failed'); });
  if (closed) return;
  await new Promise<void>((resolve) => outbound.bind(0, family === 'udp6' ? '::' : '0.0.0.0', () => resolve()));

  inbound.on('error', () => close('udp error'));
  outbound.on('error', () => close('udp error'));
  const timeoutMs = cfg.limits.udp_relay_timeout * 1000;
  const idleTimer = setInterval(() => { if (timeoutMs > 0 && Date.now() - last > timeoutMs) close('idle'); }, Math.max(250, Math.min(timeoutMs / 4, 5000)));
  idleTimer.unref();
  control.on('close', () => close('control connection closed'));
  control.on('data', () => { /* the control connection carries nothing more; keep it drained */ });
  control.resume();

  const bound = inbound.address();
  control.write(encodeReply(SOCKS_REPLY.SUCCEEDED, localIp, bound.port));
  log.info({ udp_port: bound.port }, 'udp association open');

  inbound.on('message', (msg, rinfo) => {
    if (unmapIpv4Text(rinfo.address) !== clientIp) return;
    if (clientPort === undefined) clientPort = rinfo.port;
    else if (rinfo.port !== clientPort) return;
    const d = parseUdpDatagram(msg);
    if (d.kind !== 'ok' || d.value.frag !== 0) return; // fragments are not supported: dropped, as RFC 1928 allows
    last = Date.now();
    const { host, port, data } = d.value;
    void resolveTarget(host, port).then((ip) => {
      if (ip === undefined || closed) return;
      const r = meter.account(data.length, 'up');
      if (r.exceeded) return close(`quota:${r.exceeded}`);
      up += data.length;
      allowedTargets.set(`${ip}|${port}`, true);
      if (allowedTargets.size > MAX_TARGETS) allowedTargets.delete(allowedTargets.keys().next().value as string);
      outbound.send(data, port, ip);
    });
  });

  outbound.on('message', (msg, rinfo) => {
    const ip = unmapIpv4Text(rinfo.address);
    if (!allowedTargets.has(`${ip}|${rinfo.port}`) || clientPort === undefined) return;
    last = Date.now();
    const r = meter.account(msg.length, 'down');
    if (r.exceeded) return close(`quota:${r.exceeded}`);
    down += msg.length;
    inbound.send(encodeUdpDatagram(ip, rinfo.port, msg), clientPort, clientIp);
  });

  async function resolveTarget(host: string, port: number): Promise<string | undefined> {
    const world = pipeline.world;
    const acl = world.acls.get(user.username);
    if (!acl || port === 0) return undefined;
    const pre = acl.precheck(host, port);
    if (pre.decision === 'deny') { log.debug(`udp datagram to ${host}:${port} denied: ${pre.reason}`); return undefined; }
    let addrs: string[];
    try { addrs = isIP(host) ? [host] : await pipeline.dns.resolve(host); } catch { return undefined; }
    const ok = filterAddresses({ host, port }, addrs.filter((a) => (isIP(a) === 6) === (family === 'udp6')), { acl, ipGuard: world.ssrfGuard });
    if (!ok.allow) { log.debug(`udp datagram refused: ${ok.operator}`); return undefined; }
    return ok.value[0]?.ip;
  }
}
