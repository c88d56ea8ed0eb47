/**
 * Writing to an SSH channel (or any Writable) with backpressure. Text uses `\n`; on a pty it goes
 * out as `\r\n` because the client's terminal is in raw mode and would not return the carriage.
 * `flush()` waits for 'drain' when the stream said it was full, so one command's output is the
 * most we ever queue, and it also returns when the stream is gone, so a dead client cannot stall
 * the session.
 */
import type { Writable } from 'node:stream';

export class TerminalOutput {
  readonly #stream: Writable;
  readonly #crlf: boolean;
  #full = false;

  constructor(stream: Writable, crlf: boolean) {
    this.#stream = stream;
    this.#crlf = crlf;
  }

  get crlf(): boolean { return this.#crlf; }

  /** Convert line endings (when on a pty) and write; never throws on a closed stream. */
  write(text: string): void {
    if (text === '') return;
    const s = this.#stream;
    if (s.destroyed || s.writableEnded) return;
    const data = this.#crlf ? text.replace(/\r?\n/g, '\r\n') : text;
    try {
      if (!s.write(data)) this.#full = true;
    } catch {
      /* the channel closed under us; the session is ending anyway */
    }
  }

  /** Write bytes exactly as given (editor output is already terminal-ready). */
  writeRaw(text: string): void {
    const s = this.#stream;
    if (text === '' || s.destroyed || s.writableEnded) return;
    try {
      if (!s.write(text)) this.#full = true;
    } catch {
      /* as above */
    }
  }

  flush(): Promise<void> {
    const s = this.#stream;
    if (!this.#full || s.destroyed || s.writableEnded || !s.writableNeedDrain) {
      this.#full = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        this.#full = false;
        s.off('drain', done);
        s.off('close', done);
        s.off('error', done);
        s.off('finish', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
      s.on('error', done);
      s.on('finish', done);
    });
  }
}
