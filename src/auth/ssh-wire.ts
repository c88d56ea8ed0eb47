/**
 * A bounded reader for the SSH wire encoding (RFC 4251 section 5): uint32, uint64, string,
 * mpint. Every read checks the remaining length, so a truncated or hostile blob yields a
 * `SshWireError` with the field name instead of reading past the end.
 */
export class SshWireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshWireError';
  }
}

export class SshReader {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  get offset(): number { return this.#pos; }
  get remaining(): number { return this.#buf.length - this.#pos; }

  uint32(field: string): number {
    if (this.remaining < 4) throw new SshWireError(`truncated ${field}: need 4 bytes, have ${this.remaining}`);
    const v = this.#buf.readUInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }

  uint64(field: string): bigint {
    if (this.remaining < 8) throw new SshWireError(`truncated ${field}: need 8 bytes, have ${this.remaining}`);
    const v = this.#buf.readBigUInt64BE(this.#pos);
    this.#pos += 8;
    return v;
  }

  bytes(field: string): Buffer {
    const len = this.uint32(`${field} length`);
    if (len > this.remaining) throw new SshWireError(`truncated ${field}: length ${len} exceeds the ${this.remaining} bytes left`);
    const v = this.#buf.subarray(this.#pos, this.#pos + len);
    this.#pos += len;
    return v;
  }

  /** A string that must be printable ASCII/UTF-8 text (algorithm names, principals, options). */
  text(field: string, maxLen = 1024): string {
    const raw = this.bytes(field);
    if (raw.length > maxLen) throw new SshWireError(`${field} is ${raw.length} bytes, limit ${maxLen}`);
    return raw.toString('utf8');
  }

  /** The unsigned magnitude of an mpint, leading zero bytes removed. */
  mpint(field: string): Buffer {
    const raw = this.bytes(field);
    if (raw.length > 0 && (raw[0]! & 0x80) !== 0) throw new SshWireError(`${field} is a negative mpint`);
    let i = 0;
    while (i < raw.length - 1 && raw[i] === 0) i++;
    return raw.subarray(i);
  }

  end(what: string): void {
    if (this.remaining !== 0) throw new SshWireError(`${this.remaining} trailing bytes after ${what}`);
  }
}

/** Encode one SSH `string` (uint32 length + bytes). */
export function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}
