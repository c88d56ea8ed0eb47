/**
 * The byte relay between a client stream (SOCKS5 socket, SSH channel) and the target socket:
 * exact counters per direction, quota cut at the limit, shaping by pausing the reader (never
 * sleeping per chunk), backpressure, half-close, idle timeout. One implementation for both doors.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RelayResult, TrafficMeter } from '../pipeline/types.js';
import { rawCapable, readRaw, writeRaw } from './raw-socket.js';

const EMPTY = Buffer.alloc(0);

export interface RelayOptions {
  idleTimeoutMs: number;
  meter?: TrafficMeter | undefined;
  /** Called with byte deltas as they flow, for live session stats. */
  onBytes?: ((up: number, down: number) => void) | undefined;
  /** Resolves the relay with this reason when the signal aborts (kick, shutdown, maintenance). */
  signal?: AbortSignal | undefined;
  /**
   * Receives the relay's stop function once it runs: calling it ends the relay with that reason.
   * The same effect as `signal` without an AbortController per tunnel (5000 idle tunnels).
   */
  bindStop?: ((stop: (reason: string) => void) => void) | undefined;
  now?: () => number;
  /** false keeps Node streams even for two plain TCP sockets (config `fast_paths.raw_relay`). */
  raw?: boolean | undefined;
}

export function relay(client: Duplex, target: Duplex, opts: RelayOptions): Promise<RelayResult> {
  const now = opts.now ?? Date.now;
  const started = now();
  let bytesUp = 0;
  let bytesDown = 0;
  let last = started;
  let done = false;
  let endedDirections = 0;
  let idleTimer: NodeJS.Timeout | undefined;

  return new Promise<RelayResult>((resolve) => {
    const finish = (reason: string): void => {
      if (done) return;
      done = true;
      if (idleTimer) clearTimeout(idleTimer);
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
      client.destroy();
      target.destroy();
      resolve({ bytesUp, bytesDown, durationMs: now() - started, reason });
    };
    const signal = opts.signal;
    const onAbort = signal ? (): void => finish(String(signal.reason ?? 'aborted')) : undefined;
    if (signal && onAbort) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
    opts.bindStop?.(finish);
    if (done) return;
    const meter = opts.meter;
    const onBytes = opts.onBytes;
    const trackIdle = opts.idleTimeoutMs > 0;

    const pump = (src: Duplex, dst: Duplex, dir: 'up' | 'down'): void => {
      const up = dir === 'up';
      // One resume callback per direction, not a closure per backpressure event.
      const resumeSrc = (): void => { if (!done) src.resume(); };
      // Shared by both paths: idle clock, quota (may shorten the chunk), byte counters. Sets `cut`
      // to the quota that ran out, if any.
      let cut: string | undefined;
      const admit = (chunk: Buffer): Buffer => {
        // The clock is read only when an idle timeout needs it (one call per chunk otherwise).
        if (trackIdle) last = now();
        let data = chunk;
        if (meter) {
          const r = meter.account(chunk.length, dir);
          if (r.pass < chunk.length) data = chunk.subarray(0, r.pass);
          cut = r.exceeded;
        }
        if (up) { bytesUp += data.length; onBytes?.(data.length, 0); } else { bytesDown += data.length; onBytes?.(0, data.length); }
        return data;
      };
      // What fits under the quota was written; cut both sides once it is out (queued writes complete in order).
      const endOnQuota = (quota: string): void => {
        const reason = `quota:${quota}`;
        if (dst.writableLength === 0) finish(reason);
        else dst.write(EMPTY, () => finish(reason));
        setTimeout(() => finish(reason), 1000).unref();
      };
      if (raw) {
        const d = dst as Socket;
        // The view is only valid during this call: writeRaw sends or copies it before returning.
        readRaw(src as Socket, (view: Buffer): boolean => {
          if (done) return false;
          const data = admit(view);
          if (data.length > 0 && writeRaw(d, data, resumeSrc) < 0) {
            finish('error: write failed');
            return false;
          }
          if (cut !== undefined) {
            endOnQuota(cut);
            return false;
          }
          // Part of the chunk is queued: read no more until the kernel took it (resumeSrc).
          if (d.writableLength > 0) return false;
          const wait = meter ? meter.delayFor(data.length) : 0;
          if (wait > 0) {
            setTimeout(resumeSrc, wait);
            return false;
          }
          return true;
        });
      } else {
        src.on('data', (chunk: Buffer) => {
          if (done) return;
          const data = admit(chunk);
          if (cut !== undefined) {
            if (data.length > 0) dst.write(data);
            endOnQuota(cut);
            return;
          }
          const flowing = dst.write(data);
          if (!flowing) {
            src.pause();
            dst.once('drain', resumeSrc);
          }
          const wait = meter ? meter.delayFor(data.length) : 0;
          if (wait > 0 && flowing) {
            src.pause();
            setTimeout(resumeSrc, wait);
          }
        });
      }
      // Half-close: the other side may still be sending (e.g. an HTTP/1.0 request then EOF).
      // `on`, not `once`: these fire at most once per stream anyway, and `once` costs a bound
      // wrapper per listener for the whole life of an idle tunnel (memory per held tunnel).
      src.on('end', () => {
        if (done) return;
        dst.end();
        endedDirections += 1;
        if (endedDirections === 2) finish('eof');
      });
      src.on('error', (err: Error) => finish(`error: ${err.message}`));
      src.on('close', () => {
        // A close without both EOFs (reset, destroy) ends the relay. After a normal end (finish
        // already ran: both sockets close then) nothing is scheduled.
        if (done) return;
        setImmediate(() => { if (!done && endedDirections < 2) finish(endedDirections > 0 ? 'eof' : 'closed'); });
      });
    };

    // Plain TCP on both ends (SOCKS5 CONNECT): the zero-allocation path; otherwise Node streams.
    const raw = opts.raw !== false && rawCapable(client, target);
    pump(client, target, 'up');
    pump(target, client, 'down');

    if (trackIdle) {
      // One timer per relay, re-armed lazily: cheaper than resetting a timer on every chunk.
      const check = (): void => {
        const idle = now() - last;
        if (idle >= opts.idleTimeoutMs) return finish('idle');
        idleTimer = setTimeout(check, opts.idleTimeoutMs - idle);
        idleTimer.unref();
      };
      idleTimer = setTimeout(check, opts.idleTimeoutMs);
      idleTimer.unref();
    }
  });
}
