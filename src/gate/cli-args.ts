/**
 * A small parser with Go `flag` package semantics, because sshgate's users script it that way:
 * `-db` and `--db` are the same flag, `-x=v` / `-x v` both work, bool flags never take the next
 * argument, parsing stops at the first positional argument (flags must come before the
 * fingerprint) or at `--`. Error texts are Go's.
 */
import { goQuote, parseGoDuration, formatGoDuration } from './go-format.js';

export type FlagKind = 'string' | 'bool' | 'int' | 'duration' | 'list';
export type FlagValue = string | boolean | number | string[];

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly usage: string;
  /** string/bool/int defaults; durations in ms; lists start empty. */
  readonly default?: string | boolean | number;
  /** For `list` flags: checks one value; a thrown message becomes Go's `invalid value` error. */
  readonly validate?: (value: string) => void;
}

export interface FlagSetSpec {
  readonly name: string;
  readonly flags: readonly FlagSpec[];
}

export type FlagParse =
  /** `set`: the flags given on the command line (Go's flag.Visit), so a config file can fill the others. */
  | { ok: true; values: Readonly<Record<string, FlagValue>>; args: string[]; set: ReadonlySet<string> }
  | { ok: false; help: boolean; error: string };

export function parseGoFlags(spec: FlagSetSpec, argv: readonly string[]): FlagParse {
  const values: Record<string, FlagValue> = {};
  for (const f of spec.flags) values[f.name] = f.kind === 'list' ? [] : defaultOf(f);
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  const set = new Set<string>();
  const args = [...argv];
  while (args.length > 0) {
    const s = args[0] as string;
    if (s.length < 2 || s[0] !== '-') break;
    let minuses = 1;
    if (s[1] === '-') {
      minuses = 2;
      if (s.length === 2) { args.shift(); break; }
    }
    args.shift();
    let name = s.slice(minuses);
    if (name === '' || name[0] === '-' || name[0] === '=') return fail(`bad flag syntax: ${s}`);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    const flag = byName.get(name);
    if (flag === undefined) {
      if (name === 'help' || name === 'h') return { ok: false, help: true, error: '' };
      return fail(`flag provided but not defined: -${name}`);
    }
    set.add(name);
    if (flag.kind === 'bool') {
      if (value === undefined) { values[name] = true; continue; }
      const b = parseGoBool(value);
      if (b === null) return fail(`invalid boolean value ${goQuote(value)} for -${name}: parse error`);
      values[name] = b;
      continue;
    }
    if (value === undefined) {
      if (args.length === 0) return fail(`flag needs an argument: -${name}`);
      value = args.shift() as string;
    }
    const problem = setValue(flag, value, values);
    if (problem !== null) return fail(`invalid value ${goQuote(value)} for flag -${name}: ${problem}`);
  }
  return { ok: true, values, args, set };
}

function fail(error: string): FlagParse {
  return { ok: false, help: false, error };
}

function defaultOf(f: FlagSpec): FlagValue {
  if (f.default !== undefined) return f.default;
  return f.kind === 'bool' ? false : f.kind === 'string' ? '' : 0;
}

function setValue(flag: FlagSpec, value: string, values: Record<string, FlagValue>): string | null {
  switch (flag.kind) {
    case 'string':
      values[flag.name] = value;
      return null;
    case 'int': {
      const n = parseGoInt(value);
      if (n === null) return 'parse error';
      values[flag.name] = n;
      return null;
    }
    case 'duration':
      try {
        values[flag.name] = parseGoDuration(value);
        return null;
      } catch {
        return 'parse error';
      }
    case 'list':
      try {
        flag.validate?.(value);
      } catch (err) {
        return (err as Error).message;
      }
      (values[flag.name] as string[]).push(value);
      return null;
    case 'bool':
      return 'parse error';
  }
}

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return null;
}

/** strconv.ParseInt(s, 0, 64) for the safe-integer range: decimal, 0x, 0o / leading 0, 0b, `_`. */
export function parseGoInt(s: string): number | null {
  const m = /^([+-]?)(0x[0-9a-f_]+|0o[0-7_]+|0b[01_]+|0[0-7_]*|[1-9][0-9_]*)$/i.exec(s);
  if (!m) return null;
  const body = (m[2] as string).replace(/_/g, '');
  const lower = body.toLowerCase();
  let n: number;
  if (lower.startsWith('0x') || lower.startsWith('0b') || lower.startsWith('0o')) n = Number(lower);
  else if (lower.length > 1 && lower.startsWith('0')) n = parseInt(lower.slice(1), 8);
  else n = Number(lower);
  if (!Number.isSafeInteger(n)) return null;
  return m[1] === '-' ? -n : n;
}

/** Go's `PrintDefaults` layout: `  -name type` then the usage on an indented line. */
export function flagUsage(spec: FlagSetSpec): string {
  const lines = [`Usage of ${spec.name}:`];
  for (const f of [...spec.flags].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const type = f.kind === 'bool' ? '' : f.kind === 'list' ? ' value' : ` ${f.kind}`;
    let def = '';
    if (f.kind === 'string' && f.default) def = ` (default ${goQuote(String(f.default))})`;
    if (f.kind === 'int' && f.default) def = ` (default ${String(f.default)})`;
    if (f.kind === 'duration' && typeof f.default === 'number') def = ` (default ${formatGoDuration(f.default)})`;
    lines.push(`  -${f.name}${type}`, `    \t${f.usage}${def}`);
  }
  return lines.join('\n') + '\n';
}
