/**
 * Client side of SOCKS5 for `[upstream_proxy]`: CONNECT through another SOCKS5 server. We send the
 * address we already resolved and checked, so the upstream cannot be steered to a different one.
 * Every failure is an Sks5Error with the catalogued code of what went wrong: the upstream's own
 * reply code is passed on (0x05 refused stays refused), a handshake that stalls is a timeout, and
 * an upstream we cannot reach or that rejects us is an upstream failure (not the target's fault).
 */
import type { Socket } from 'node:net';
import { CMD, METHOD, encodeRequest, encodeUserPass, parseReply } from '../socks/codec.js';
import { SOCKS_REPLY, Sks5Error, type ErrorCode } from '../errors.js';
import { tcpConnect } from './tcp-connect.js';

export interface UpstreamProxy { host: string; port: number; username?: string; password?: string }

export function parseUpstreamUrl(url: string): UpstreamProxy {
  const u = new URL(url);
  if (u.protocol !== 'socks5:' && u.protocol !== 'socks5h:') throw new Error(`upstream proxy: unsupported scheme ${u.protocol}`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const out: UpstreamProxy = { host, port: Number(u.port || 1080) };
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  return out;
}

/** The upstream's REP byte as our own code: what it said happened, happened. */
export function codeOfUpstreamReply(rep: number): ErrorCode {
  switch (rep) {
    case SOCKS_REPLY.NOT_ALLOWED: return 'SKS5_ERR_UPSTREAM_DENIED';
    case SOCKS_REPLY.NETWORK_UNREACHABLE: return 'SKS5_ERR_NET_UNREACHABLE';
    case SOCKS_REPLY.HOST_UNREACHABLE: return 'SKS5_ERR_HOST_UNREACHABLE';
    case SOCKS_REPLY.CONNECTION_REFUSED: return 'SKS5_ERR_REFUSED';
    case SOCKS_REPLY.TTL_EXPIRED: return 'SKS5_ERR_TIMEOUT';
    default: return 'SKS5_ERR_UPSTREAM';
  }
}

const fail = (code: ErrorCode, message: string): Sks5Error => new Sks5Error(code, `upstream proxy: ${message}`, 'upstream proxy failure');

/** Read exactly the bytes of one message, using `parse` to know when it is complete. */
function readMessage<T>(s: Socket, parse: (b: Buffer) => { kind: 'need' } | { kind: 'ok'; value: T; consumed: number } | { kind: 'error'; error: Error }, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(fail('SKS5_ERR_TIMEOUT', 'handshake timed out')), timeoutMs);
    const done = (err: Error | undefined, v?: T, rest?: Buffer): void => {
      clearTimeout(timer);
      s.off('data', onData); s.off('error', onErr); s.off('close', onClose);
      if (err) { s.destroy(); reject(err); } else {
        if (rest && rest.length > 0) s.unshift(rest);
        resolve(v as T);
      }
    };
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      const r = parse(buf);
      if (r.kind === 'need') { if (buf.length > 600) done(fail('SKS5_ERR_UPSTREAM', 'oversized reply')); return; }
      if (r.kind === 'error') return done(fail('SKS5_ERR_UPSTREAM', r.error.message));
      s.pause();
      done(undefined, r.value, buf.subarray(r.consumed));
    };
    const onErr = (e: Error): void => done(fail('SKS5_ERR_UPSTREAM', e.message));
    const onClose = (): void => done(fail('SKS5_ERR_UPSTREAM', 'closed the connection'));
    s.on('data', onData); s.once('error', onErr); s.once('close', onClose);
    s.resume();
  });
}

async function dialUpstream(up: UpstreamProxy, timeoutMs: number): Promise<Socket> {
  try {
    return await tcpConnect(up.host, up.port, timeoutMs);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    throw new Sks5Error(errno === 'ETIMEDOUT' ? 'SKS5_ERR_TIMEOUT' : 'SKS5_ERR_UPSTREAM', `upstream proxy ${up.host}:${up.port} unreachable: ${(err as Error).message}`, 'upstream proxy failure', { cause: err });
  }
}

export async function connectViaUpstream(up: UpstreamProxy, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const s = await dialUpstream(up, timeoutMs);
  const creds = up.username !== undefined;
  s.write(Buffer.from(creds ? [5, 2, METHOD.NO_AUTH, METHOD.USER_PASS] : [5, 1, METHOD.NO_AUTH]));
  const method = await readMessage(s, (b) => (b.length < 2 ? { kind: 'need' } : { kind: 'ok', value: b[1]!, consumed: 2 }), timeoutMs);
  if (method === METHOD.USER_PASS && creds) {
    s.write(encodeUserPass(up.username ?? '', up.password ?? ''));
    const st = await readMessage(s, (b) => (b.length < 2 ? { kind: 'need' } : { kind: 'ok', value: b[1]!, consumed: 2 }), timeoutMs);
    if (st !== 0) { s.destroy(); throw fail('SKS5_ERR_UPSTREAM', 'authentication rejected'); }
  } else if (method !== METHOD.NO_AUTH) {
    s.destroy();
    throw fail('SKS5_ERR_UPSTREAM', 'no acceptable authentication method');
  }
  s.write(encodeRequest(CMD.CONNECT, host, port));
  const reply = await readMessage(s, parseReply, timeoutMs);
  if (reply.rep !== SOCKS_REPLY.SUCCEEDED) {
    s.destroy();
    throw fail(codeOfUpstreamReply(reply.rep), `CONNECT failed with reply 0x${reply.rep.toString(16).padStart(2, "0")}`);
  }
  s.resume();
  return s;
}
