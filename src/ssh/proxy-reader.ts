/**
 * Reads a PROXY protocol header off a fresh socket (before ssh2 sees it), then gives back any
 * bytes that followed the header so the SSH handshake starts exactly where the header ended.
 */
import type { Socket } from 'node:net';
import { MAX_V1_LENGTH, MAX_V2_PAYLOAD, parseProxyHeader } from './proxy-protocol.js';

export type ProxyRead = { ok: true; source: { ip: string; port: number } | undefined } | { ok: false; reason: string };

const MAX_BUFFER = Math.max(MAX_V1_LENGTH, 16 + MAX_V2_PAYLOAD);

export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxyRead> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (r: ProxyRead, rest?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      if (rest && rest.length > 0) socket.unshift(rest);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const p = parseProxyHeader(buf.subarray(0, MAX_BUFFER));
      if (p.kind === 'need-more') {
        if (buf.length >= MAX_BUFFER) finish({ ok: false, reason: 'PROXY header too long' });
        return;
      }
      if (p.kind === 'error') return finish({ ok: false, reason: p.message });
      finish({ ok: true, source: p.source }, buf.subarray(p.consumed));
    };
    const onClose = (): void => finish({ ok: false, reason: 'closed before the PROXY header' });
    const timer = setTimeout(() => finish({ ok: false, reason: `no PROXY header within ${timeoutMs} ms` }), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
