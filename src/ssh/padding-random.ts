/**
 * ssh2 fills the 4-255 bytes of random padding of every packet it sends with its own
 * `crypto.randomFillSync` call, and each call crosses into OpenSSL through a one-shot job: about as
 * much CPU as the rest of a small packet's framing. For a channel opened, used and closed (what
 * `ssh -D` does per browser request) that is four to eight calls. This module serves those small
 * requests from a 4 KiB block filled by the same CSPRNG in one call; a byte is handed out once and
 * never reused. Anything else (large sizes, ArrayBuffer/DataView targets, odd arguments) goes to
 * the original function unchanged, with its own validation and errors.
 *
 * It must run before ssh2 is first loaded, because ssh2 copies the function at load time: the
 * sks5 entry point imports it first.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The CommonJS exports object: the one ssh2's `require('crypto')` destructures.
const crypto = require('node:crypto') as typeof import('node:crypto') & { [INSTALLED]?: true };
const INSTALLED = Symbol.for('sks5.pooledRandomFill');

const BLOCK = 4096;
const SMALL = 256;

export function installPooledRandomFill(): void {
  if (crypto[INSTALLED]) return;
  const original = crypto.randomFillSync;
  const block = Buffer.alloc(BLOCK);
  let used = BLOCK;
  const pooled = function randomFillSync<T extends NodeJS.ArrayBufferView>(buf: T, offset?: number, size?: number): T {
    if (!(buf instanceof Uint8Array)) return original(buf, offset, size);
    const start = offset ?? 0;
    const n = size ?? buf.length - start;
    if (!Number.isInteger(start) || !Number.isInteger(n) || start < 0 || n < 0 || n > SMALL || start + n > buf.length) {
      return original(buf, offset, size);
    }
    if (used + n > BLOCK) {
      original(block);
      used = 0;
    }
    buf.set(block.subarray(used, used + n), start);
    // Wiped as it is handed out: these bytes exist in one place only.
    block.fill(0, used, used + n);
    used += n;
    return buf;
  };
  crypto.randomFillSync = pooled as typeof crypto.randomFillSync;
  crypto[INSTALLED] = true;
}

installPooledRandomFill();
