/**
 * Client side of SOCKS5 for `[upstream_proxy]`: CONNECT through another SOCKS5 server. We send the
 * address we already resolved and checked, so the upstream cannot be steered to a different one.
 */
import type { Socket } from 'node:net';
import { CMD, METHOD, encodeRequest, encodeUserPass, parseReply } from '../socks/codec.js';
import { tcpConnect } from './connect.js';

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

/** Read exactly the bytes of one message, using `parse` to know when it is complete. */
function readMessage<T>(s: Socket, parse: (b: Buffer) => { kind: 'need' } | { kind: 'ok'; value: T; consumed: number } | { kind: 'error'; error: Error }, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error('upstream proxy: handshake timed out')), timeoutMs);
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
      if (r.kind === 'need') { if (buf.length > 600) done(new Error('upstream proxy: oversized reply')); return; }
      if (r.kind === 'error') return done(r.error);
      s.pause();
      done(undefined, r.value, buf.subarray(r.consumed));
    };
    const onErr = (e: Error): void => done(e);
    const onClose = (): void => done(Object.assign(new Error('upstream proxy closed the connection'), { code: 'ECONNRESET' }));
    s.on('data', onData); s.once('error', onErr); s.once('close', onClose);
    s.resume();
  });
}

export async function connectViaUpstream(up: UpstreamProxy, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const s = await tcpConnect(up.host, up.port, timeoutMs);
  const creds = up.username !== undefined;
  s.write(Buffer.from(creds ? [5, 2, METHOD.NO_AUTH, METHOD.USER_PASS] : [5, 1, METHOD.NO_AUTH]));
  const method = await readMessage(s, (b) => (b.length < 2 ? { kind: 'need' } : { kind: 'ok', value: b[1]!, consumed: 2 }), timeoutMs);
  if (method === METHOD.USER_PASS && creds) {
    s.write(encodeUserPass(up.username ?? '', up.password ?? ''));
    const st = await readMessage(s, (b) => (b.length < 2 ? { kind: 'need' } : { kind: 'ok', value: b[1]!, consumed: 2 }), timeoutMs);
    if (st !== 0) { s.destroy(); throw Object.assign(new Error('upstream proxy: authentication rejected'), { code: 'EUPSTREAM' }); }
  } else if (method !== METHOD.NO_AUTH) {
    s.destroy();
    throw Object.assign(new Error('upstream proxy: no acceptable authentication method'), { code: 'EUPSTREAM' });
  }
  s.write(encodeRequest(CMD.CONNECT, host, port));
  const reply = await readMessage(s, parseReply, timeoutMs);
  if (reply.rep !== 0) {
    s.destroy();
    const code = reply.rep === 5 ? 'ECONNREFUSED' : reply.rep === 3 ? 'ENETUNREACH' : reply.rep === 6 ? 'ETIMEDOUT' : 'EHOSTUNREACH';
    throw Object.assign(new Error(`upstream proxy: CONNECT failed with reply 0x0${reply.rep}`), { code });
  }
  s.resume();
  return s;
}
