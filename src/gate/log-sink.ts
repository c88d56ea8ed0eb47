/**
 * Log lines written during one event-loop turn leave in one write. stderr to a pipe or file is
 * synchronous on Linux, so a line per write(2) costs a syscall per connection event; with many
 * connections per turn (a burst of clients) this turns dozens of writes into one. Order is kept,
 * and a line waits at most until the end of the current turn.
 */
export interface LineSink {
  write(text: string): void;
  /** Writes what is pending now (before exit, or before a fatal message goes out directly). */
  flush(): void;
}

export function coalescingSink(out: (text: string) => void): LineSink {
  let pending = '';
  let scheduled: NodeJS.Immediate | null = null;
  const flush = (): void => {
    if (scheduled !== null) { clearImmediate(scheduled); scheduled = null; }
    if (pending === '') return;
    const text = pending;
    pending = '';
    out(text);
  };
  return {
    write(text: string): void {
      pending += text;
      // A flood of lines in one turn still goes out in bounded pieces.
      if (pending.length >= 64 * 1024) flush();
      else scheduled ??= setImmediate(flush);
    },
    flush,
  };
}
