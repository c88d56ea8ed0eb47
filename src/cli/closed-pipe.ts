/**
 * `sks5 check-config | head -1`: the reader goes away and the next write fails with EPIPE, which
 * Node raises as an unhandled 'error' event, i.e. a stack trace instead of output. A CLI should
 * behave like a C program killed by SIGPIPE and stop writing quietly; the command still finishes
 * and keeps its exit code. Other stream errors are not ours to swallow.
 */

export interface PipeWriter {
  (text: string): void;
  /** True once the reader has gone away; later text is dropped. */
  readonly closed: () => boolean;
}

export function isClosedPipeError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/** A writer for `stream` that drops text once its reader has closed the pipe. */
export function pipeWriter(stream: NodeJS.WritableStream): PipeWriter {
  let closed = false;
  stream.on('error', (err: unknown) => {
    if (!isClosedPipeError(err)) throw err;
    closed = true;
  });
  const write = (text: string): void => {
    if (closed) return;
    stream.write(text);
  };
  return Object.assign(write, { closed: () => closed });
}

let stdout: PipeWriter | undefined;
let stderr: PipeWriter | undefined;

/** One guarded writer per process stream, shared by every caller so the listener is added once. */
export function processStdout(): PipeWriter {
  stdout ??= pipeWriter(process.stdout);
  return stdout;
}

export function processStderr(): PipeWriter {
  stderr ??= pipeWriter(process.stderr);
  return stderr;
}
