/**
 * Lines from a stream without a pty (`ssh -T host`, piped input): split on LF, drop a trailing CR,
 * cap each line at the editor's 4096 bytes. An overlong line is reported once and skipped up to
 * its newline, so a client cannot grow our buffer without bound.
 */
import { MAX_LINE_BYTES } from './tokenizer.js';

export class LineReader {
  readonly #onLine: (line: string) => void;
  readonly #onError: (message: string) => void;
  #parts: Buffer[] = [];
  #size = 0;
  #skipping = false;

  constructor(onLine: (line: string) => void, onError: (message: string) => void) {
    this.#onLine = onLine;
    this.#onError = onError;
  }

  feed(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      this.#take(chunk.subarray(start, end));
      if (nl < 0) break;
      this.#emit();
      start = nl + 1;
    }
  }

  /** End of input: a last line without a newline still runs. */
  end(): void {
    if (this.#size > 0 || this.#skipping) this.#emit();
  }

  #take(piece: Buffer): void {
    if (this.#skipping || piece.length === 0) return;
    if (this.#size + piece.length > MAX_LINE_BYTES) {
      this.#skipping = true;
      this.#parts = [];
      this.#size = 0;
      this.#onError(`line too long (max ${MAX_LINE_BYTES} bytes), ignored`);
      return;
    }
    this.#parts.push(Buffer.from(piece));
    this.#size += piece.length;
  }

  #emit(): void {
    const skipped = this.#skipping;
    const text = Buffer.concat(this.#parts).toString('utf8');
    this.#parts = [];
    this.#size = 0;
    this.#skipping = false;
    if (!skipped) this.#onLine(text.endsWith('\r') ? text.slice(0, -1) : text);
  }
}
