/**
 * The demo's destination: a small HTTP server on 127.0.0.1 that the generated tunnels (and the
 * operator's curl) reach through the demo's own SOCKS5 listener. `/stream?bytes=N&ms=M` sends N
 * bytes spread over M ms, so a tunnel stays open long enough to show up as a live session.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Caps that keep one request cheap whatever its query string says. */
const MAX_STREAM_BYTES = 1024 * 1024;
const MAX_STREAM_MS = 15_000;
const CHUNKS = 8;

export interface DemoTarget {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

function numberParam(url: URL, name: string, fallback: number, max: number): number {
  const n = Number(url.searchParams.get(name) ?? fallback);
  return Number.isFinite(n) ? Math.max(0, Math.min(max, Math.floor(n))) : fallback;
}

function stream(res: ServerResponse, bytes: number, ms: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) });
  const chunk = Math.ceil(bytes / CHUNKS);
  let sent = 0;
  const tick = (): void => {
    if (res.destroyed) return;
    const n = Math.min(chunk, bytes - sent);
    res.write(Buffer.alloc(n, 0x2e));
    sent += n;
    if (sent >= bytes) res.end();
    else setTimeout(tick, ms / CHUNKS).unref();
  };
  if (bytes === 0) res.end();
  else tick();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://demo');
  // Uploads are read and dropped: they exist to make bytes flow upstream too.
  req.resume();
  req.on('end', () => {
    if (url.pathname === '/stream') {
      stream(res, numberParam(url, 'bytes', 4096, MAX_STREAM_BYTES), numberParam(url, 'ms', 0, MAX_STREAM_MS));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`Hello from the sks5 demo target (${req.method ?? 'GET'} ${url.pathname}).\nYou reached it through the SOCKS5 proxy.\n`);
  });
}

export async function startDemoTarget(): Promise<DemoTarget> {
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    host: address,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
