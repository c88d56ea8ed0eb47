/**
 * UDP ASSOCIATE (RFC 1928 section 7). One association per request: a client-facing UDP socket that
 * only accepts datagrams from the client's address, and an outbound socket that only accepts replies
 * from targets the client has sent to. The association runs the pipeline's authorize and limits
 * stages once (it holds one tunnel slot); every datagram's target runs authorize and connect (the
 * account re-check, ACL, DNS, anti-SSRF) through the same stage functions as a TCP tunnel, and a
 * refused datagram is dropped and reported as a TCP refusal is. Bytes count against the user's
 * quotas; the association ends with the TCP control connection or after `udp_relay_timeout` of silence.
 */
import { createSocket } from 'node:dgram';
import { isIP, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Decision } from '../errors.js';
import { encodeRefusal, encodeSuccess, encodeUdpDatagram, parseUdpDatagram } from './codec.js';
import { unmapIpv4Text } from '../policy/ip-address.js';
import type { AuthedSession, Target, TrafficMeter } from '../pipeline/types.js';

/** What the UDP door asks of the pipeline (pipeline/engine.ts `associate`, `routeDatagram`). */
export interface UdpPort {
  associate(session: AuthedSession, target: Target, open: number): Promise<Decision<TrafficMeter>>;
  routeDatagram(session: AuthedSession, target: Target, family: 4 | 6): Promise<Decision<string>>;
}

export interface UdpAssociations {
  port: UdpPort;
  clock: Clock;
  log: Logger;
  /** `limits.udp_relay_timeout` of the live config, in seconds (0: no idle timeout). */
  idleTimeoutSecs: () => number;
  /** live association count per user, for max_udp_sessions_per_user */
  perUser: Map<string, number>;
}

export function createUdpAssociations(d: Omit<UdpAssociations, 'perUser'>): UdpAssociations {
  return { ...d, perUser: new Map() };
}

const MAX_TARGETS = 1024;

/** Silence longer than the timeout ends the association (monotonic time: a clock step changes nothing). */
export function udpIdle(lastActivity: number, now: number, timeoutMs: number): boolean {
  return timeoutMs > 0 && now - lastActivity > timeoutMs;
}

export async function startUdpAssociate(control: Socket, session: AuthedSession, req: Target, ctx: UdpAssociations): Promise<void> {
  const { clock } = ctx;
  const user = session.user;
  const current = ctx.perUser.get(user.username) ?? 0;
  const log = ctx.log.child({ conn_id: session.client.connId, user: user.username, door: session.client.door });
  // Counted before the stages run, so two requests at once cannot both pass max_udp_sessions_per_user.
  ctx.perUser.set(user.username, current + 1);
  const slot = await ctx.port.associate(session, req, current);
  if (!slot.allow) {
    ctx.perUser.set(user.username, (ctx.perUser.get(user.username) ?? 1) - 1);
    control.end(encodeRefusal(slot.code));
    return;
  }
  const meter = slot.value;

  const localIp = unmapIpv4Text(control.localAddress ?? '127.0.0.1');
  const family = isIP(localIp) === 6 ? 6 : 4;
  const inbound = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
  const outbound = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
  const clientIp = unmapIpv4Text(control.remoteAddress ?? '');
  // Where the client said it will send from (0.0.0.0:0 / port 0 = learn from the first datagram).
  const expectedPort = req.port;
  let clientPort: number | undefined = expectedPort !== 0 ? expectedPort : undefined;
  const allowedTargets = new Map<string, true>();
  let last = clock.monotonic();
  let closed = false;
  let up = 0;
  let down = 0;
  let idleTimer: NodeJS.Timeout | undefined;

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
  await new Promise<void>((resolve) => outbound.bind(0, family === 6 ? '::' : '0.0.0.0', () => resolve()));

  inbound.on('error', () => close('udp error'));
  outbound.on('error', () => close('udp error'));
  const timeoutMs = ctx.idleTimeoutSecs() * 1000;
  idleTimer = setInterval(() => { if (udpIdle(last, clock.monotonic(), timeoutMs)) close('idle'); }, Math.max(250, Math.min(timeoutMs / 4, 5000)));
  idleTimer.unref();
  control.on('close', () => close('control connection closed'));
  control.on('data', () => { /* the control connection carries nothing more; keep it drained */ });
  control.resume();

  const bound = inbound.address();
  control.write(encodeSuccess(localIp, bound.port));
  log.info({ udp_port: bound.port }, 'udp association open');

  inbound.on('message', (msg, rinfo) => {
    if (unmapIpv4Text(rinfo.address) !== clientIp) return;
    if (clientPort === undefined) clientPort = rinfo.port;
    else if (rinfo.port !== clientPort) return;
    const d = parseUdpDatagram(msg);
    if (d.kind !== 'ok' || d.value.frag !== 0) return; // fragments are not supported: dropped, as RFC 1928 allows
    last = clock.monotonic();
    const { host, port, data } = d.value;
    void ctx.port.routeDatagram(session, { host, port }, family).then((routed) => {
      if (!routed.allow || closed) return;
      const ip = routed.value;
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
    last = clock.monotonic();
    const r = meter.account(msg.length, 'down');
    if (r.exceeded) return close(`quota:${r.exceeded}`);
    down += msg.length;
    inbound.send(encodeUdpDatagram(ip, rinfo.port, msg), clientPort, clientIp);
  });
}
