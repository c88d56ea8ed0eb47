/**
 * Where the wizard's questions go and answers come from: readline over any input stream, so tests
 * feed answers through a pipe. Lines are read through the async iterator, which buffers lines that
 * arrive before the question is asked (a pipe delivers them all at once). On a terminal a secret
 * is read with echo off by muting readline's output while the line is typed.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export interface Prompter {
  /** One answer line; rejects with InputEndedError when the input ends first. */
  line(prompt: string): Promise<string>;
  /** Like line(), without echo on a terminal. */
  secret(prompt: string): Promise<string>;
  say(text: string): void;
  readonly interactiveTerminal: boolean;
  close(): void;
}

export class InputEndedError extends Error {
  constructor() {
    super('input ended before the wizard finished (nothing was written)');
    this.name = 'InputEndedError';
  }
}

export function readlinePrompter(input: NodeJS.ReadableStream, write: (text: string) => void, terminal: boolean): Prompter {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      if (!muted) write(chunk.toString());
      cb();
    },
  });
  const rl = createInterface({ input, output, terminal });
  const lines = rl[Symbol.asyncIterator]();
  // From a pipe nothing echoes the answer; writing it makes the transcript read like a session.
  const next = async (secret = false): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new InputEndedError();
    if (!terminal) write(secret ? '\n' : `${r.value}\n`);
    return r.value;
  };
  return {
    interactiveTerminal: terminal,
    async line(prompt) {
      rl.setPrompt(prompt);
      rl.prompt();
      return next();
    },
    async secret(prompt) {
      rl.setPrompt(prompt);
      rl.prompt();
      muted = terminal;
      try {
        return await next(true);
      } finally {
        if (muted) write('\n');
        muted = false;
      }
    },
    say: (text) => write(text.endsWith('\n') ? text : `${text}\n`),
    close: () => rl.close(),
  };
}
