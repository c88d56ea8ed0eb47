/**
 * UDP ASSOCIATE (RFC 1928 section 7). One association per request: a client-facing UDP socket that
 * only accepts datagrams from the client's address, and an outbound socket that only accepts replies
 * from targets the client has sent to. The association runs the pipeline's authorize and limits
 * stages once (it holds one tunnel slot); every datagram's target runs authorize and connect (the
 * account re-check, ACL, DNS, anti-SSRF) through the same stage functions as a TCP tunnel. A refused
 * datagram is dropped and reported as a TCP refusal is, but per target and code at most every
 * REPORT_INTERVAL_MS (udp-refusals.ts): a client retrying a denied target must not flood the audit
 * log or ban itself. Bytes count against the user's quotas; the association ends with the TCP
 * control connection or after `udp_relay_timeout` of silence.
 */
import { createSocket } from 'node:dgram';
import { isIP, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { countsAgainstReputation, type Denial, type ErrorCode } from '../errors.js';
import { encodeRefusal, encodeSuccess, encodeUdpDatagram, parseUdpDatagram } from './codec.js';
import { unmapIpv4Text } from '../policy/ip-address.js';
import type { AuthedSession, Target, UdpPort } from '../pipeline/types.js';
import { DatagramRefusals, summaryText, type RefusalReport } from './udp-refusals.js';

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
/** Least time between two reports of refused datagrams to the same target with the same code. */
export const REPORT_INTERVAL_MS = 5000;

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
  const refusals = new DatagramRefusals<ErrorCode>({ intervalMs: REPORT_INTERVAL_MS, maxKeys: MAX_TARGETS });
  /** `d`: the refusal that produced these reports; a first refusal carries its detailed reason. */
  const report = (reports: RefusalReport<ErrorCode>[], d?: Denial): void => {
    for (const r of reports) ctx.port.datagramsRefused(session, { ...r, reason: r.summary || d === undefined ? summaryText(r) : d.operator });
  };

  const close = (reason: string): void => {
    if (closed) return;
    closed = true;
    clearInterval(idleTimer);
    report(refusals.drain());
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
  // The same tick sends the refusal summaries that came due (at most REPORT_INTERVAL_MS late).
  idleTimer = setInterval(() => {
    const now = clock.monotonic();
    if (udpIdle(last, now, timeoutMs)) close('idle');
    else report(refusals.due(now));
  }, Math.max(250, Math.min(timeoutMs / 4, REPORT_INTERVAL_MS)));
  idleTimer.unref();
  // RFC 1928: the association ends with its TCP connection. The listener allows half-open sockets
  // (for tunnels), so a client's FIN alone would never 'close' it: its end is the end too.
  control.on('end', () => close('control connection closed'));
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
      if (!routed.allow) {
        report(refusals.refused({ host, port }, routed.code, clock.monotonic(), countsAgainstReputation(routed.code)), routed);
        // Decided after the association ended: its count is reported now, not never.
        if (closed) report(refusals.drain());
        return;
      }
      if (closed) return;
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
