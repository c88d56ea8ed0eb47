/**
 * Writing to an SSH channel (or any Writable) with backpressure. Text uses `\n`; on a pty it goes
 * out as `\r\n` because the client's terminal is in raw mode and would not return the carriage.
 *
 * Writes made in the same turn of the event loop (echo, command output, next prompt) leave as
 * one chunk: ssh2 sends one packet per write, and a burst of small packets meets Nagle plus the
 * peer's delayed ACK (40 ms per command on loopback). `settle()` waits for 'drain' when the
 * stream said it was full, so one command's output is the most we queue; it also returns when
 * the stream is gone, so a dead client cannot stall the session.
 */
import type { Writable } from 'node:stream';

/** Above this, pending text is written at once instead of waiting for the end of the turn. */
const COALESCE_MAX = 32 * 1024;

export class TerminalOutput {
  readonly #stream: Writable;
  readonly #crlf: boolean;
  #pending = '';
  #scheduled = false;
  #full = false;

  constructor(stream: Writable, crlf: boolean) {
    this.#stream = stream;
    this.#crlf = crlf;
  }

  get crlf(): boolean { return this.#crlf; }

  /** Convert line endings (when on a pty) and queue; never throws on a closed stream. */
  write(text: string): void {
    this.writeRaw(this.#crlf ? text.replace(/\r?\n/g, '\r\n') : text);
  }

  /** Queue bytes exactly as given (editor output is already terminal-ready). */
  writeRaw(text: string): void {
    if (text === '' || this.#closed()) return;
    this.#pending += text;
    if (this.#pending.length >= COALESCE_MAX) { this.#push(); return; }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => { this.#scheduled = false; this.#push(); });
    }
  }

  /** Write what is queued now, then wait until the stream has room (or is gone). */
  flush(): Promise<void> {
    this.#push();
    return this.settle();
  }

  /** Wait for 'drain' only if the stream reported it was full. */
  settle(): Promise<void> {
    const s = this.#stream;
    if (!this.#full || this.#closed() || !s.writableNeedDrain) {
      this.#full = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        this.#full = false;
        for (const ev of ['drain', 'close', 'error', 'finish']) s.off(ev, done);
        resolve();
      };
      for (const ev of ['drain', 'close', 'error', 'finish']) s.on(ev, done);
    });
  }

  #closed(): boolean {
    return this.#stream.destroyed || this.#stream.writableEnded;
  }

  #push(): void {
    const data = this.#pending;
    this.#pending = '';
    if (data === '' || this.#closed()) return;
    try {
      if (!this.#stream.write(data)) this.#full = true;
    } catch {
      /* the channel closed under us; the session is ending anyway */
    }
  }
}
