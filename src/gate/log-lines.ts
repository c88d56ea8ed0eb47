/**
 * Reads a log file line by line without loading it whole, with the original's 1 MiB line cap
 * (Go bufio.Scanner's "token too long" becomes an error, not a silent truncation).
 */
import { closeSync, openSync, readSync } from 'node:fs';

export const MAX_LOG_LINE_BYTES = 1024 * 1024;

export function* readLogLines(path: string, maxLine = MAX_LOG_LINE_BYTES): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    let pending: Buffer[] = [];
    let pendingLen = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      let start = 0;
      for (let nl = buf.indexOf(0x0a, 0); nl >= 0 && nl < n; nl = buf.indexOf(0x0a, start)) {
        const piece = buf.subarray(start, nl);
        if (pendingLen + piece.length > maxLine) throw new Error(`${path}: line longer than ${maxLine} bytes`);
        yield lineText(pending.length ? Buffer.concat([...pending, piece]) : piece);
        pending = [];
        pendingLen = 0;
        start = nl + 1;
      }
      if (start < n) {
        pending.push(Buffer.from(buf.subarray(start, n)));
        pendingLen += n - start;
        if (pendingLen > maxLine) throw new Error(`${path}: line longer than ${maxLine} bytes`);
      }
    }
    if (pendingLen > 0) yield lineText(Buffer.concat(pending));
  } finally {
    closeSync(fd);
  }
}

function lineText(b: Buffer): string {
  const s = b.toString('utf8');
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
