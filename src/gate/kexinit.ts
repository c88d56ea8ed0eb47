/**
 * The client's plaintext SSH hello (identification line + first binary packet) as a pure, bounded
 * state machine. It never sees a socket: the gate feeds bytes as they arrive and acts on the step.
 *
 * Limits and error texts follow the original sshgate so operators' log searches keep working;
 * the strict checks (version prefix, NUL, name-list charset) are ours and say so in their reason.
 */

/** One identification line may not reach this many bytes without its newline (RFC 4253 §4.2). */
export const MAX_LINE_BYTES = 255;
/** All lines up to and including the `SSH-` line, preamble included. */
export const MAX_IDENT_BYTES = 8 * 1024;
/** Largest accepted `packet_length`, checked on the 5-byte header before the body is read. */
export const MAX_PACKET_BYTES = 256 * 1024;
export const SSH_MSG_KEXINIT = 20;

const NAME_LIST_COUNT = 10;

/** The ten name-lists as sent, raw bytes (hashing must see the wire bytes, not decoded text). */
export interface NameLists {
  readonly kex: Buffer;
  readonly hostKey: Buffer;
  readonly encC2S: Buffer;
  readonly encS2C: Buffer;
  readonly macC2S: Buffer;
  readonly macS2C: Buffer;
  readonly compC2S: Buffer;
  readonly compS2C: Buffer;
  readonly langC2S: Buffer;
  readonly langS2C: Buffer;
}

export interface Kexinit {
  readonly cookie: Buffer;
  readonly lists: NameLists;
  readonly firstKexPacketFollows: boolean;
  readonly reserved: number;
}

export type KexinitResult = { ok: true; kexinit: Kexinit } | { ok: false; reason: string };

export interface ParseOptions {
  /** Reject name-lists with bytes outside printable US-ASCII (RFC 4251 §5). Default true. */
  readonly strict?: boolean;
}

/** Parses an SSH_MSG_KEXINIT payload (message byte first, no packet framing). */
export function parseKexinitPayload(payload: Buffer, options: ParseOptions = {}): KexinitResult {
  if (payload.length < 17 || payload[0] !== SSH_MSG_KEXINIT) {
    return { ok: false, reason: 'first SSH packet is not SSH_MSG_KEXINIT' };
  }
  const lists: Buffer[] = [];
  let off = 17;
  for (let i = 0; i < NAME_LIST_COUNT; i++) {
    if (payload.length - off < 4) return { ok: false, reason: 'truncated name-list length' };
    const n = payload.readUInt32BE(off);
    off += 4;
    if (n > payload.length - off) return { ok: false, reason: 'truncated name-list' };
    const list = payload.subarray(off, off + n);
    if (options.strict !== false) {
      const bad = firstNonPrintable(list);
      if (bad >= 0) {
        return { ok: false, reason: `name-list ${i + 1} has byte 0x${hex2(list[bad] ?? 0)} at offset ${bad} (not printable US-ASCII)` };
      }
    }
    lists.push(list);
    off += n;
  }
  if (payload.length - off < 5) return { ok: false, reason: 'truncated KEXINIT trailer' };
  const at = (i: number): Buffer => lists[i] ?? Buffer.alloc(0);
  return {
    ok: true,
    kexinit: {
      cookie: payload.subarray(1, 17),
      lists: {
        kex: at(0), hostKey: at(1), encC2S: at(2), encS2C: at(3), macC2S: at(4),
        macS2C: at(5), compC2S: at(6), compS2C: at(7), langC2S: at(8), langS2C: at(9),
      },
      firstKexPacketFollows: payload[off] !== 0,
      reserved: payload.readUInt32BE(off + 1),
    },
  };
}

function firstNonPrintable(b: Buffer): number {
  for (let i = 0; i < b.length; i++) {
    const c = b[i] ?? 0;
    if (c < 0x21 || c > 0x7e) return i;
  }
  return -1;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** What the gate replays to the backend and records: the exact bytes the client sent. */
export interface ClientHello {
  /** Every identification byte, preamble lines included, exactly as received. */
  readonly identBytes: Buffer;
  /** The `SSH-` line without trailing CR/LF. */
  readonly ident: Buffer;
  /** The whole first binary packet (length header, padding and all). */
  readonly packet: Buffer;
  readonly kexinit: Kexinit;
}

export type Phase = 'identification' | 'kexinit';

export type IdentStep =
  | { kind: 'need' }
  | { kind: 'done'; identBytes: Buffer; ident: Buffer; rest: Buffer }
  | { kind: 'error'; reason: string };

/**
 * Identification reader (RFC 4253 §4.2): lines before the `SSH-` line are preamble, kept so they
 * are replayed byte for byte; each line < 255 bytes, all of them <= 8 KiB. Used for the client
 * (strict) and for the trusted backend's banner (lenient).
 */
export class IdentParser {
  #line: number[] = [];
  #chunks: Buffer[] = [];
  #len = 0;
  readonly #strict: boolean;

  constructor(options: ParseOptions = {}) {
    this.#strict = options.strict !== false;
  }

  /** True while part of a line is buffered (an EOF now would cut a line). */
  get midLine(): boolean {
    return this.#line.length > 0;
  }

  feed(chunk: Buffer): IdentStep {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] ?? 0;
      this.#line.push(b);
      if (b !== 0x0a) {
        if (this.#line.length >= MAX_LINE_BYTES) return { kind: 'error', reason: `SSH identification line too long: >= ${MAX_LINE_BYTES} bytes` };
        continue;
      }
      const line = Buffer.from(this.#line);
      this.#line = [];
      this.#chunks.push(line);
      this.#len += line.length;
      if (this.#len > MAX_IDENT_BYTES) return { kind: 'error', reason: `SSH identification exceeded ${MAX_IDENT_BYTES} bytes` };
      const trimmed = trimCrLf(line);
      if (trimmed.subarray(0, 4).toString('latin1') !== 'SSH-') continue;
      if (this.#strict) {
        const bad = checkIdent(trimmed);
        if (bad) return { kind: 'error', reason: bad };
      }
      return { kind: 'done', identBytes: Buffer.concat(this.#chunks), ident: trimmed, rest: Buffer.from(chunk.subarray(i + 1)) };
    }
    return { kind: 'need' };
  }
}

export type HelloStep =
  | { kind: 'need' }
  | { kind: 'done'; hello: ClientHello; rest: Buffer }
  | { kind: 'error'; phase: Phase; reason: string };

/**
 * Incremental reader for ident + first packet. `feed` may be called with any split of the stream;
 * after `done` or `error` it must not be fed again. Memory held is bounded by
 * MAX_IDENT_BYTES + MAX_PACKET_BYTES + 4 plus the one chunk being examined.
 */
export class ClientHelloParser {
  #phase: Phase = 'identification';
  #finished = false;
  readonly #strict: boolean;
  readonly #identParser: IdentParser;
  #identBytes: Buffer = Buffer.alloc(0);
  #ident: Buffer = Buffer.alloc(0);
  #header = Buffer.alloc(5);
  #headerLen = 0;
  #packet: Buffer | null = null;
  #packetFill = 0;

  constructor(options: ParseOptions = {}) {
    this.#strict = options.strict !== false;
    this.#identParser = new IdentParser(options);
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** What an EOF now means, in the original's words (Go io.ReadFull: EOF vs unexpected EOF). */
  eofReason(): string {
    if (this.#phase === 'identification') return 'EOF';
    return this.#headerLen === 0 ? 'EOF' : 'unexpected EOF';
  }

  feed(chunk: Buffer): HelloStep {
    if (this.#finished) throw new Error('ClientHelloParser fed after it finished');
    const step = this.#consume(chunk);
    if (step.kind !== 'need') this.#finished = true;
    return step;
  }

  #consume(chunk: Buffer): HelloStep {
    let data = chunk;
    if (this.#phase === 'identification') {
      const r = this.#identParser.feed(chunk);
      if (r.kind === 'need') return r;
      if (r.kind === 'error') return this.#fail(r.reason);
      this.#identBytes = r.identBytes;
      this.#ident = r.ident;
      this.#phase = 'kexinit';
      data = r.rest;
    }
    return this.#consumePacket(data, 0);
  }

  #consumePacket(chunk: Buffer, start: number): HelloStep {
    let off = start;
    if (this.#packet === null) {
      const take = Math.min(5 - this.#headerLen, chunk.length - off);
      chunk.copy(this.#header, this.#headerLen, off, off + take);
      this.#headerLen += take;
      off += take;
      if (this.#headerLen < 5) return { kind: 'need' };
      const packetLen = this.#header.readUInt32BE(0);
      if (packetLen < 2 || packetLen > MAX_PACKET_BYTES) return this.#fail(`invalid SSH packet length: ${packetLen}`);
      const padding = this.#header[4] ?? 0;
      if (padding < 4 || padding >= packetLen) return this.#fail(`invalid SSH padding length: ${padding}`);
      // Allocated only after the header passed its bounds, so a hostile length costs nothing.
      this.#packet = Buffer.alloc(packetLen + 4);
      this.#header.copy(this.#packet, 0);
      this.#packetFill = 5;
    }
    const packet = this.#packet;
    const take = Math.min(packet.length - this.#packetFill, chunk.length - off);
    chunk.copy(packet, this.#packetFill, off, off + take);
    this.#packetFill += take;
    off += take;
    if (this.#packetFill < packet.length) return { kind: 'need' };

    const packetLen = packet.length - 4;
    const padding = packet[4] ?? 0;
    const payloadLen = packetLen - padding - 1;
    if (payloadLen < 1) return this.#fail('empty SSH packet payload');
    const parsed = parseKexinitPayload(packet.subarray(5, 5 + payloadLen), { strict: this.#strict });
    if (!parsed.ok) return this.#fail(parsed.reason);
    return {
      kind: 'done',
      hello: { identBytes: this.#identBytes, ident: this.#ident, packet, kexinit: parsed.kexinit },
      rest: Buffer.from(chunk.subarray(off)),
    };
  }

  #fail(reason: string): HelloStep {
    return { kind: 'error', phase: this.#phase, reason };
  }
}

/** Strips trailing CR and LF bytes (any mix), as the original's TrimRight(line, "\r\n"). */
export function trimCrLf(line: Buffer): Buffer {
  let end = line.length;
  while (end > 0 && (line[end - 1] === 0x0a || line[end - 1] === 0x0d)) end--;
  return line.subarray(0, end);
}

function checkIdent(ident: Buffer): string | null {
  const text = ident.toString('latin1');
  if (!text.startsWith('SSH-2.0-') && !text.startsWith('SSH-1.99-')) {
    return `unsupported protocol version in ${JSON.stringify(text.slice(0, 16))} (want SSH-2.0- or SSH-1.99-)`;
  }
  const nul = ident.indexOf(0);
  if (nul >= 0) return `NUL byte at offset ${nul} in identification line`;
  return null;
}
