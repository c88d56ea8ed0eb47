/**
 * The zero-allocation relay path for plain TCP sockets (SOCKS5 CONNECT tunnels).
 *
 * Why: Node's stream path allocates a fresh ArrayBuffer for every read. V8 reclaims that external
 * memory promptly in a small heap, but with sks5's heap (config schema, API, SSH stack: ~15 MB) the
 * external-memory heuristic starts a full mark-compact every ~60 MB relayed: measured here, the same
 * plain pipe spent 2x the CPU per GB once our modules were loaded beside it. So bulk data is read
 * into ONE process-wide buffer (libuv's user-buffer mode, the documented `onread` option of
 * net.Socket) and written out with a direct non-blocking write(2) before the next read can happen;
 * only what the kernel does not take at once is copied and queued through the normal stream
 * (`onQueuedWritten` runs when it has gone out: the reader pauses until then).
 *
 * Accepted server sockets cannot be given `onread` at creation, so user-buffer mode is switched on
 * through the same three per-socket slots the `onread` option fills. Everything is feature-detected
 * once; on a runtime without them (or for TLS sockets and SSH channels) the caller keeps the stream
 * path, which is correct, only slower.
 */
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** One read buffer for every tunnel: reads and the synchronous write that follows never interleave. */
const SHARED = Buffer.allocUnsafeSlow(64 * 1024);

interface Slots { buffer: symbol; callback: symbol; generator: symbol }

/** The symbols net.Socket keeps its `onread` state under, found once on a throwaway socket. */
const slots: Slots | undefined = (() => {
  const probe = new Socket();
  const byName = new Map(Object.getOwnPropertySymbols(probe).map((s) => [s.description, s]));
  probe.destroy();
  const buffer = byName.get('kBuffer');
  const callback = byName.get('kBufferCb');
  const generator = byName.get('kBufferGen');
  return buffer && callback && generator ? { buffer, callback, generator } : undefined;
})();

interface TcpHandle { fd?: number; useUserBuffer?: (buf: Uint8Array) => void }

function handleOf(s: Duplex): TcpHandle | undefined {
  if (!(s instanceof Socket) || s.destroyed || s.connecting) return undefined;
  // A TLSSocket is a net.Socket too, but its bytes must go through OpenSSL, not straight to the fd.
  if ((s as Socket & { encrypted?: boolean }).encrypted) return undefined;
  return (s as unknown as { _handle?: TcpHandle | null })._handle ?? undefined;
}

/** True when both ends can use the raw path (plain TCP sockets with a file descriptor). */
export function rawCapable(a: Duplex, b: Duplex): boolean {
  if (!slots) return false;
  for (const s of [a, b]) {
    const h = handleOf(s);
    if (!h || typeof h.fd !== 'number' || h.fd < 0 || typeof h.useUserBuffer !== 'function') return false;
  }
  return true;
}

/** Whether this runtime offers the raw path at all (reported by tests and the bench). */
export const rawRelaySupported = slots !== undefined;

/**
 * Switch `src` to user-buffer reads: `onChunk(view)` receives each read as a view of the shared
 * buffer, valid only during the call. Returning false pauses the socket (resume() restarts it).
 * Bytes the stream had already buffered are handed over first, as ordinary buffers.
 */
export function readRaw(src: Socket, onChunk: (view: Buffer) => boolean): void {
  const s = slots as Slots;
  const bag = src as unknown as Record<symbol, unknown>;
  // Bounded by the stream's high-water mark: forwarded whole, then backpressure applies.
  let go = true;
  for (let chunk = src.read() as Buffer | null; chunk !== null; chunk = src.read() as Buffer | null) {
    go = onChunk(chunk) && go;
  }
  bag[s.buffer] = SHARED;
  bag[s.callback] = (n: number, buf: Buffer): boolean => onChunk(buf.subarray(0, n));
  bag[s.generator] = null;
  handleOf(src)?.useUserBuffer?.(SHARED);
  // Flowing (with no 'data' listener: nothing is pushed in this mode) so that EOF emits 'end'.
  if (go) src.resume();
  else src.pause();
}

/**
 * Write `data` to `dst` now if the kernel takes it: returns the bytes written straight to the fd
 * (all of them in the common case). The rest is copied and queued through the stream, so the
 * shared buffer is free again when this returns. Returns -1 when the socket is gone (EPIPE, reset).
 */
export function writeRaw(dst: Socket, data: Buffer, onQueuedWritten: () => void): number {
  let written = 0;
  // Anything already queued in the stream must go first: only an empty queue allows a direct write.
  const fd = dst.writableLength === 0 ? handleOf(dst)?.fd : undefined;
  if (fd !== undefined) {
    try {
      written = writeSync(fd, data, 0, data.length);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return -1;
    }
  }
  if (written < data.length) dst.write(Buffer.from(data.subarray(written)), onQueuedWritten);
  return written;
}
