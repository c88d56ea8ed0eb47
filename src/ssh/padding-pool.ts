/**
 * Random padding for the packets one SSH connection sends, drawn from a pooled CSPRNG block.
 *
 * ssh2 fills every outgoing packet's 4-35 bytes of padding with its own `crypto.randomFillSync` call.
 * A native call per packet was 12 % of the server's samples in a bulk download profile (aes128-gcm,
 * 32 KiB packets); measured without the profiler, the pool saves a median 0.12 s of server CPU per GB
 * (8 pinned pairs, docs/performance.md). OpenSSH draws its padding from a buffered CSPRNG
 * (arc4random_buf) for the same reason. Here one connection's outgoing cipher gets an own
 * `allocPacket` that copies the padding from a 4 KiB block filled by `randomFillSync` (each byte used
 * once), and builds the same packet ssh2 would: the layout (padding length, buffer length beyond the
 * padding) is learnt from the cipher's own `allocPacket` once per payload length modulo 16, which is
 * all it depends on for every cipher ssh2 has (block sizes 8 and 16, constant tag or MAC length).
 *
 * Nothing process-wide changes: `crypto.randomFillSync` and ssh2's classes are untouched; after each
 * key exchange the connection's new `_protocol._cipher` object gets the pooled `allocPacket`. This is the one place that touches ssh2's
 * `_protocol._cipher`; a canary test fails when its shape moves, and `fast_paths.ssh_pooled_padding =
 * false` leaves ssh2's own padding in place.
 */
import { randomFillSync } from 'node:crypto';

interface CipherLike { allocPacket(payloadLen: number): Buffer }
interface ProtocolLike { _cipher?: CipherLike }

const POOL_BYTES = 4096;

/** A block of CSPRNG output handed out once, refilled when spent. */
export class RandomPool {
  readonly #block = Buffer.allocUnsafe(POOL_BYTES);
  #offset = POOL_BYTES;

  /** Writes `n` (at most 4096) fresh random bytes into `target` at `at`. */
  fill(target: Buffer, at: number, n: number): void {
    if (this.#offset + n > POOL_BYTES) {
      randomFillSync(this.#block);
      this.#offset = 0;
    }
    this.#block.copy(target, at, this.#offset, this.#offset + n);
    this.#offset += n;
  }
}

const pooled = new WeakSet<CipherLike>();
/** One block for the process's connections (4 KiB each would be 20 MB at 5000): every byte still goes out once. */
const shared = new RandomPool();

/** Gives `cipher` an own allocPacket with pooled padding; false when its shape is not ssh2's. */
export function poolCipherPadding(cipher: CipherLike, pool: RandomPool): boolean {
  if (pooled.has(cipher)) return true;
  const original = cipher.allocPacket;
  if (typeof original !== 'function') return false;
  // By payload length modulo 16: [padLen, bytes after the padding (tag or MAC)].
  const layout: Array<[number, number] | undefined> = new Array(16);
  cipher.allocPacket = function allocPacket(this: CipherLike, payloadLen: number): Buffer {
    const r = payloadLen & 15;
    const l = layout[r];
    if (l === undefined) {
      const probe = original.call(this, payloadLen);
      const padLen = probe[4]!;
      const tail = probe.length - (5 + payloadLen + padLen);
      // Not the layout this module knows (length prefix, pad length byte, payload, padding, tag): keep ssh2's.
      if (padLen < 4 || tail < 0 || probe.readUInt32BE(0) !== 1 + payloadLen + padLen) {
        cipher.allocPacket = original;
        return probe;
      }
      layout[r] = [padLen, tail];
      return probe;
    }
    const [padLen, tail] = l;
    const packet = Buffer.allocUnsafe(5 + payloadLen + padLen + tail);
    packet.writeUInt32BE(1 + payloadLen + padLen, 0);
    packet[4] = padLen;
    pool.fill(packet, 5 + payloadLen, padLen);
    return packet;
  };
  pooled.add(cipher);
  return true;
}

/**
 * Pools the padding of every packet `conn` sends from each key exchange on (ssh2 emits 'handshake'
 * after every exchange, once the new cipher is in place). Returns false (and changes nothing) when
 * ssh2's connection does not have the expected `_protocol._cipher`.
 */
export function poolConnectionPadding(conn: object, pool: RandomPool = shared): boolean {
  const proto = (conn as { _protocol?: ProtocolLike })._protocol;
  if (!proto || typeof proto !== 'object' || typeof proto._cipher?.allocPacket !== 'function') return false;
  const c = conn as { on?: (event: string, fn: () => void) => unknown };
  if (typeof c.on !== 'function') return false;
  c.on('handshake', () => { const cipher = proto._cipher; if (cipher) poolCipherPadding(cipher, pool); });
  return true;
}
