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
