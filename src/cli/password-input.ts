/**
 * Reading a password from stdin: one line from a pipe (`echo pw | sks5 hash-password`), or a prompt
 * with echo turned off on a terminal. Bounded: a password longer than 4 KiB is refused.
 */
import type { CliIo } from './context.js';

export const MAX_PASSWORD_BYTES = 4096;

/** Resolves with the first line (without CR/LF) or rejects when stdin ends empty or the line is too long. */
export function readOneLine(stdin: CliIo['stdin']): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const finish = (err: Error | undefined, line?: string): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      stdin.pause();
      if (err) reject(err);
      else resolve(line ?? '');
    };
    const onData = (chunk: Buffer | string): void => {
      buf = Buffer.concat([buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      const nl = buf.indexOf(0x0a);
      if (nl !== -1) return finish(undefined, buf.subarray(0, nl).toString('utf8').replace(/\r$/, ''));
      if (buf.length > MAX_PASSWORD_BYTES) finish(new Error(`password longer than ${MAX_PASSWORD_BYTES} bytes`));
    };
    const onEnd = (): void => {
      if (buf.length === 0) finish(new Error('no password on stdin'));
      else finish(undefined, buf.toString('utf8').replace(/\r?\n?$/, ''));
    };
    const onError = (e: Error): void => finish(e);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
    stdin.resume();
  });
}

interface RawTty {
  setRawMode?: (raw: boolean) => unknown;
}

/** Prompts on stderr and reads a line without echoing it (raw mode, handling backspace and Ctrl-C). */
export function promptHidden(prompt: string, io: CliIo): Promise<string> {
  const tty = io.stdin as CliIo['stdin'] & RawTty;
  if (!io.stdin.isTTY || typeof tty.setRawMode !== 'function') return readOneLine(io.stdin);
  io.err(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    tty.setRawMode?.(true);
    const done = (err?: Error): void => {
      tty.setRawMode?.(false);
      io.stdin.off('data', onData);
      io.stdin.pause();
      io.err('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (value.length < MAX_PASSWORD_BYTES) value += ch;
      }
    };
    io.stdin.on('data', onData);
    io.stdin.resume();
  });
}
