/** A raw SOCKS5 client for tests: exact bytes, exact reply codes. */
import { connect, type Socket } from 'node:net';
import { encodeRequest, encodeUserPass } from '../../src/socks/codec.js';

export function openSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // After connecting, errors (e.g. a reset by the server) surface as close/end to the readers.
    const s = connect({ host, port }, () => { s.off('error', reject); s.on('error', () => {}); resolve(s); });
    s.once('error', reject);
  });
}

/** Read until `n` bytes are available (or the socket ends: then whatever arrived). */
export function readBytes(s: Socket, n: number, timeoutMs = 10000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (): void => { clearTimeout(timer); s.off('data', onData); s.off('end', onEnd); s.off('close', onEnd); s.pause(); };
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= n) { done(); if (buf.length > n) s.unshift(buf.subarray(n)); resolve(buf.subarray(0, n)); }
    };
    const onEnd = (): void => { done(); resolve(buf); };
    const timer = setTimeout(() => { done(); reject(new Error(`timed out reading ${n} bytes (got ${buf.length})`)); }, timeoutMs);
    s.on('data', onData); s.once('end', onEnd); s.once('close', onEnd);
    s.resume();
  });
}

export interface SocksResult { socket: Socket; method: number; authStatus?: number; reply?: number; bindHost?: string; bindPort?: number }

/** Greeting + RFC 1929 auth + one request; stops at the first refusal. */
export async function socksConnect(proxy: { host: string; port: number }, user: string, pass: string, host: string, port: number, cmd = 1): Promise<SocksResult> {
  const s = await openSocket(proxy.host, proxy.port);
  s.write(Buffer.from([5, 1, 2]));
  const m = await readBytes(s, 2);
  const res: SocksResult = { socket: s, method: m[1] ?? -1 };
  if (m[1] !== 2) return res;
  s.write(encodeUserPass(user, pass));
  const a = await readBytes(s, 2);
  res.authStatus = a[1] ?? -1;
  if (a[1] !== 0) return res;
  s.write(encodeRequest(cmd, host, port));
  const head = await readBytes(s, 4);
  res.reply = head[1] ?? -1;
  if (head.length < 4) return res;
  const atyp = head[3];
  const alen = atyp === 1 ? 4 : atyp === 4 ? 16 : (await readBytes(s, 1))[0] ?? 0;
  const addr = await readBytes(s, alen + 2);
  res.bindPort = addr.readUInt16BE(alen);
  res.bindHost = atyp === 1 ? [...addr.subarray(0, 4)].join('.') : addr.subarray(0, alen).toString('hex');
  return res;
}
