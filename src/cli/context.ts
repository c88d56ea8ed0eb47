/**
 * What a subcommand needs from the outside world, passed in rather than reached for, so command
 * logic can run in unit tests with a fake env and captured output.
 */
import { processStderr, processStdout } from './closed-pipe.js';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export class CliContext {
  readonly io: CliIo;
  #exitCode = 0;

  constructor(io: CliIo) {
    this.io = io;
  }

  get exitCode(): number {
    return this.#exitCode;
  }

  /** A failing command records its code and returns; main() turns it into the process exit code. */
  fail(message: string, code = 1): void {
    this.io.err(message.endsWith('\n') ? message : `${message}\n`);
    this.#exitCode = code;
  }

  print(text = ''): void {
    this.io.out(text.endsWith('\n') ? text : `${text}\n`);
  }
}

export function processIo(): CliIo {
  return {
    out: processStdout(),
    err: processStderr(),
    env: process.env,
    stdin: process.stdin,
  };
}
