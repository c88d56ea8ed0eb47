/**
 * The relay destroys a forwarded channel itself when it finishes, whatever the reason. Node's
 * autoDestroy would call ssh2's `Channel.destroy()` a second time once both directions are done, and
 * that calls `end()` on a finished stream: an ERR_STREAM_ALREADY_FINISHED error built (stack trace
 * included) and thrown away, once per channel.
 *
 * Node offers `autoDestroy` only as a constructor option, and ssh2 builds the channel, so the flag is
 * cleared on the stream's internal state: the one place sks5 touches `_readableState` /
 * `_writableState`. Best effort (a missing field is left alone); `fast_paths.ssh_channel_single_destroy
 * = false` skips it, and a canary test fails when the fields move.
 */
import type { Duplex } from 'node:stream';

interface StreamStateLike { autoDestroy?: boolean }

/** Returns true when both directions' autoDestroy were found and cleared. */
export function disableAutoDestroy(stream: Duplex): boolean {
  const s = stream as unknown as { _readableState?: StreamStateLike; _writableState?: StreamStateLike };
  let cleared = 0;
  for (const state of [s._readableState, s._writableState]) {
    if (state && typeof state.autoDestroy === 'boolean') {
      state.autoDestroy = false;
      cleared += 1;
    }
  }
  return cleared === 2;
}
