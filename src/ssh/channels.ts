/**
 * `direct-tcpip` channels: what `ssh -L` and `ssh -D` open for each forwarded connection. Each one
 * goes through the same `port.open` (the pipeline's tunnel stages) as a SOCKS5 CONNECT (ACL, anti-SSRF, limits,
 * connect, accounting). The channel is confirmed only once the target is connected, so a refused
 * or unreachable target reaches the client as CHANNEL_OPEN_FAILURE with the reason, which OpenSSH
 * prints: "channel 2: open failed: administratively prohibited: not allowed".
 */
import type { AcceptConnection, ServerChannel, TcpipRequestInfo } from 'ssh2';
import type { Logger } from 'pino';
import { deny, type ErrorCode } from '../errors.js';
import type { AuthedSession, SshDoorPort } from '../pipeline/types.js';
import { permitOpenAllows, type KeyRestrictions } from '../auth/key-options.js';
import { disableAutoDestroy } from './channel-auto-destroy.js';
import { REFUSAL } from './refusals.js';

export interface ForwardContext {
  readonly port: Pick<SshDoorPort, 'open' | 'refuse'>;
  readonly log: Logger;
  /** `fast_paths.ssh_channel_single_destroy` of the live config. */
  readonly singleDestroy: () => boolean;
  readonly session: AuthedSession;
  readonly restrictions: KeyRestrictions;
  /** Send CHANNEL_OPEN_FAILURE with the catalogued reason of `code` and this description. */
  readonly refuse: (code: ErrorCode, description: string) => void;
  /** True once the SSH connection is gone: a late tunnel is torn down instead of accepted. */
  readonly closed: () => boolean;
}

const MAX_HOST_LENGTH = 255;

/** One shared listener for every channel instead of a closure each (held channels add up). */
const ignoreError = (): void => {};

/** The target as the client named it; IPv6 literals may come bracketed from some clients. */
export function targetOf(info: TcpipRequestInfo): { host: string; port: number } | string {
  const host = info.destIP.replace(/^\[(.*)\]$/, '$1');
  if (host === '' || host.length > MAX_HOST_LENGTH || /[\x00-\x20\x7f]/.test(host)) return 'invalid target host';
  if (!Number.isInteger(info.destPort) || info.destPort < 1 || info.destPort > 65535) return `invalid target port ${info.destPort}`;
  return { host, port: info.destPort };
}

export function handleDirectTcpip(accept: AcceptConnection<ServerChannel>, info: TcpipRequestInfo, ctx: ForwardContext): void {
  const { port, session, restrictions } = ctx;
  const target = targetOf(info);
  // The key's own limits, known only to this door: refused and reported as any refused tunnel.
  const denyLocally = (description: string, operator: string): void => {
    port.refuse(session, { host: info.destIP, port: info.destPort }, deny('SKS5_DENY_FORWARDING', operator, description));
    ctx.refuse('SKS5_DENY_FORWARDING', description);
  };
  if (typeof target === 'string') {
    ctx.refuse('SKS5_ERR_BAD_TARGET', target);
    return;
  }
  if (!restrictions.portForwarding) {
    denyLocally(REFUSAL.keyNoForwarding, `${session.user.username}: key forbids port forwarding (${session.keyFingerprint ?? 'n/a'})`);
    return;
  }
  if (!permitOpenAllows(restrictions.permitOpen, target.host, target.port)) {
    denyLocally(REFUSAL.keyPermitOpen(target.host, target.port), `${session.user.username}: ${target.host}:${target.port} outside the key's permitopen`);
    return;
  }
  port.open(session, target).then(
    (d) => {
      if (!d.allow) {
        ctx.refuse(d.code, d.client);
        return;
      }
      const tunnel = d.value;
      if (ctx.closed()) {
        tunnel.destroy();
        return;
      }
      const channel = accept();
      // Errors surface through the relay's result; an unhandled 'error' would crash the process.
      channel.on('error', ignoreError);
      if (ctx.singleDestroy()) disableAutoDestroy(channel);
      void tunnel.relay(channel);
    },
    (err: unknown) => {
      ctx.log.error({ conn_id: session.client.connId, err: (err as Error).message }, 'openTunnel failed');
      ctx.refuse('SKS5_ERR_INTERNAL', 'general failure');
    },
  );
}
