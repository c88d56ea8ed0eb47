/**
 * Text formats the original Go sshgate printed, reproduced so operators' scripts and log searches
 * keep working: `%q` quoting, the `log` package prefix, tabwriter tables, durations, timestamps.
 */

/** Go `strconv.Quote` over a UTF-8 string: control and invisible characters escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c === 0xfffd) out += '\\ufffd';
    else if (isPrintable(c)) out += ch;
    else if (c <= 0xffff) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += '\\U' + c.toString(16).padStart(8, '0');
  }
  return out + '"';
}

function isPrintable(c: number): boolean {
  // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020 only.
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(c));
}

/** The `log.LstdFlags` prefix `YYYY/MM/DD HH:MM:SS ` in local time. */
export function goLogPrefix(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} `;
}

/** `2006-01-02 15:04:05` of the UTC instant (stored times are UTC), `-` for a missing time. */
export function formatUtc(ms: number | null): string {
  if (ms === null) return '-';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** `2006-01-02 15:04:05` shifted by a fixed UTC offset (minutes), for log times that carry one. */
export function formatWithOffset(ms: number, offsetMinutes: number): string {
  return formatUtc(ms + offsetMinutes * 60_000);
}

/**
 * The original's sanitizeDisplay: tab, CR and LF become spaces, other control characters U+FFFD,
 * so attacker-controlled idents and log lines cannot drive the operator's terminal.
 */
export function sanitizeDisplay(s: string): string {
  return s.replace(/[\t\n\r]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}

export function valueOrDash(v: string): string {
  return v === '' ? '-' : v;
}

/**
 * text/tabwriter with minwidth 0, padding 2, space padding: every cell but the last of a line is
 * padded to its column's widest cell (counted in code points) plus two spaces.
 */
export function tabwrite(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i < row.length - 1) widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat((widths[i] ?? 0) - [...cell].length + 2) : cell)).join('') + '\n').join('');
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go `time.ParseDuration`, returning milliseconds; throws the Go error text on bad input. */
export function parseGoDuration(text: string): number {
  const fail = (): never => { throw new Error(`time: invalid duration ${goQuote(text)}`); };
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) { sign = s[0] === '-' ? -1 : 1; s = s.slice(1); }
  if (s === '0') return 0;
  if (s === '' || s.length > 64) fail();
  let ns = 0;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s);
    if (!num || (num[1] === '' && (num[2] ?? '') === '')) fail();
    const numText = (num as RegExpExecArray)[0];
    s = s.slice(numText.length);
    const unit = /^[^\d.]+/.exec(s);
    if (!unit) throw new Error(`time: missing unit in duration ${goQuote(text)}`);
    const mult = UNIT_NS[unit[0]];
    if (mult === undefined) throw new Error(`time: unknown unit ${goQuote(unit[0])} in duration ${goQuote(text)}`);
    s = s.slice(unit[0].length);
    ns += Number(numText.startsWith('.') ? '0' + numText : numText) * mult;
  }
  return (sign * ns) / 1e6;
}

/** Go `time.Duration.String` for a millisecond count: `2m0s`, `1h30m0s`, `1.5s`, `500ms`, `0s`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out: string;
  if (rest < 1000) {
    out = `${trimNum(rest)}ms`;
  } else {
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const sec = `${trimNum(rest / 1000)}s`;
    out = h > 0 ? `${h}h${m}m${sec}` : m > 0 ? `${m}m${sec}` : sec;
  }
  return neg ? `-${out}` : out;
}

function trimNum(n: number): string {
  return String(Number(n.toFixed(9)));
}
