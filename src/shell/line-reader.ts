/**
 * Lines from a stream without a pty (`ssh -T host`, piped input, paramiko's invoke_shell without
 * get_pty): a line ends at CR, LF or CRLF (a client typing into a raw channel sends CR; a script
 * piped in sends LF; CRLF counts once, even split across two reads). Each line is capped at the
 * editor's 4096 bytes. An overlong line is reported once and skipped up to
 * its newline, so a client cannot grow our buffer without bound.
 */
import { MAX_LINE_BYTES } from './tokenizer.js';

export class LineReader {
  readonly #onLine: (line: string) => void;
  readonly #onError: (message: string) => void;
  #parts: Buffer[] = [];
  #size = 0;
  #skipping = false;
  /** The last chunk ended with CR: an LF opening the next one belongs to that line end. */
  #afterCr = false;

  constructor(onLine: (line: string) => void, onError: (message: string) => void) {
    this.#onLine = onLine;
    this.#onError = onError;
  }

  feed(chunk: Buffer): void {
    let start = this.#afterCr && chunk[0] === 0x0a ? 1 : 0;
    if (chunk.length > 0) this.#afterCr = false;
    while (start < chunk.length) {
      const eol = lineEnd(chunk, start);
      this.#take(chunk.subarray(start, eol < 0 ? chunk.length : eol));
      if (eol < 0) break;
      this.#emit();
      start = eol + 1;
      if (chunk[eol] === 0x0d) {
        if (start === chunk.length) this.#afterCr = true;
        else if (chunk[start] === 0x0a) start += 1;
      }
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
    if (!skipped) this.#onLine(text);
  }
}

/** Index of the first CR or LF at or after `from`, or -1. */
function lineEnd(chunk: Buffer, from: number): number {
  const lf = chunk.indexOf(0x0a, from);
  const cr = chunk.indexOf(0x0d, from);
  if (cr < 0) return lf;
  return lf < 0 || cr < lf ? cr : lf;
}

const QUEUE_HIGH = 256;
const QUEUE_LOW = 32;

/** The part of a Readable the queue uses for flow control. */
export interface Pausable {
  pause(): unknown;
  resume(): unknown;
  isPaused(): boolean;
}

/**
 * Runs lines one after another, in order. A script piped in (`ssh -T host < cmds`) may be far
 * ahead of us: past QUEUE_HIGH waiting lines the input is paused (SSH flow control then holds the
 * client) and it is resumed below QUEUE_LOW, so nothing is dropped and nothing grows unbounded.
 */
export class LineQueue {
  readonly #input: Pausable;
  /** Runs one line; resolves false to stop (exit, kick, closed). */
  readonly #run: (line: string) => Promise<boolean>;
  readonly #onEnd: () => void;
  #queue: (string | undefined)[] = [];
  #draining = false;

  constructor(input: Pausable, run: (line: string) => Promise<boolean>, onEnd: () => void) {
    this.#input = input;
    this.#run = run;
    this.#onEnd = onEnd;
  }

  /** A line to run, or `undefined` for end of input. */
  push(line: string | undefined): void {
    this.#queue.push(line);
    if (this.#queue.length >= QUEUE_HIGH) this.#input.pause();
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    while (this.#queue.length > 0) {
      const line = this.#queue.shift();
      if (this.#queue.length < QUEUE_LOW && this.#input.isPaused()) this.#input.resume();
      if (line === undefined) { this.#onEnd(); break; }
      if (!(await this.#run(line))) { this.#queue = []; break; }
    }
    this.#draining = false;
  }
}
