/**
 * One outbound TCP connect with a deadline and an abort signal: the only place sks5 dials out
 * (the connect engine, the upstream-proxy client and the shell's `test`).
 */
import { connect as netConnect, type Socket } from 'node:net';

export function tcpConnect(ip: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: ip, port, allowHalfOpen: true, noDelay: true });
    const timer = setTimeout(() => {
      const e = Object.assign(new Error(`connect to ${ip}:${port} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
      s.destroy();
      reject(e);
    }, timeoutMs);
    const onAbort = (): void => { clearTimeout(timer); s.destroy(); reject(new Error('aborted')); };
    signal?.addEventListener('abort', onAbort, { once: true });
    s.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}
