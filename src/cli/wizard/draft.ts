/**
 * The config being built by the interactive wizard, and the ask loop. Every answer is written into
 * the draft and the whole draft is checked by the same loader as `check-config` (schema plus the
 * cross-field checks: ACL syntax, webhook addresses...); an answer whose key path gets an issue is
 * rolled back and the question asked again with that message.
 */
import { buildConfig, ConfigError } from '../../config/load.js';
import { getPath, isPlainObject, setPath, type PathPart } from '../../config/object-path.js';
import type { Config, ConfigInput } from '../../config/schema.js';
import type { Prompter } from './prompter.js';

/** A question answered wrong this many times in a row ends the wizard instead of looping on. */
const MAX_TRIES = 10;

export function formatPath(path: readonly PathPart[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

function deletePath(root: Record<string, unknown>, path: readonly PathPart[]): void {
  const parent = getPath(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (isPlainObject(parent) && typeof key === 'string') delete parent[key];
}

export class Draft {
  readonly raw: Record<string, unknown>;
  #config: Config;

  constructor(start: ConfigInput) {
    this.raw = structuredClone(start) as Record<string, unknown>;
    const v = this.validate();
    if (!v.config) throw new Error(`wizard defaults are invalid: ${v.issues.join('; ')}`);
    this.#config = v.config;
  }

  /** The last valid state with every default filled in (for showing defaults). */
  get config(): Config {
    return this.#config;
  }

  validate(): { config?: Config; issues: string[] } {
    try {
      // Files named in the config (GeoIP database, TLS) may not exist yet on this machine.
      return { config: buildConfig(structuredClone(this.raw), 'wizard', { fileExists: () => true }).config, issues: [] };
    } catch (err) {
      if (err instanceof ConfigError) return { issues: [...err.issues] };
      throw err;
    }
  }

  /** Sets `value` (undefined removes the key); on issues under `path`, rolls back and returns them. */
  trySet(path: readonly PathPart[], value: unknown): string[] {
    const had = getPath(this.raw, path);
    const existed = had !== undefined;
    const before = structuredClone(had);
    if (value === undefined) deletePath(this.raw, path);
    else setPath(this.raw, path, value);
    const v = this.validate();
    const prefix = formatPath(path);
    const mine = v.issues.filter((i) => i.startsWith(prefix) && /^[:.[]/.test(i.slice(prefix.length)));
    if (mine.length === 0 && v.config) {
      this.#config = v.config;
      return [];
    }
    if (existed) setPath(this.raw, path, before);
    else deletePath(this.raw, path);
    return mine.length > 0 ? mine : v.issues;
  }
}

export type Parsed<T> = { value: T } | { error: string };

export interface QuestionKind<T> {
  parse(answer: string): Parsed<T>;
  show(value: T | undefined): string;
}

export const text: QuestionKind<string> = { parse: (a) => ({ value: a }), show: (v) => v ?? '' };

/** Free text where "none" removes the key (an optional address, path or URL). */
export const optionalText: QuestionKind<string | undefined> = {
  parse: (a) => ({ value: a.toLowerCase() === 'none' ? undefined : a }),
  show: (v) => v ?? 'none',
};

export const integer: QuestionKind<number> = {
  parse: (a) => (/^\d+$/.test(a) ? { value: Number(a) } : { error: 'expected a whole number' }),
  show: (v) => String(v ?? ''),
};

export const yesNo: QuestionKind<boolean> = {
  parse: (a) => {
    const s = a.toLowerCase();
    if (['y', 'yes', 'true', 'on'].includes(s)) return { value: true };
    if (['n', 'no', 'false', 'off'].includes(s)) return { value: false };
    return { error: 'answer yes or no' };
  },
  show: (v) => (v ? 'yes' : 'no'),
};

/** Comma-separated values; "none" is the empty list. */
export const list: QuestionKind<string[]> = {
  parse: (a) => ({ value: a.toLowerCase() === 'none' ? [] : a.split(',').map((s) => s.trim()).filter((s) => s !== '') }),
  show: (v) => (v && v.length > 0 ? v.join(', ') : 'none'),
};

export class TooManyTriesError extends Error {}

/** Asks until the answer parses and validates; Enter keeps the value shown in brackets. */
export async function ask<T>(p: Prompter, draft: Draft, label: string, path: readonly PathPart[], kind: QuestionKind<T>): Promise<T> {
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const current = getPath(draft.config, path) as T | undefined;
    const answer = (await p.line(`${label} [${kind.show(current)}]: `)).trim();
    if (answer === '') {
      // Write the shown value explicitly, so the file says what was accepted.
      if (current !== undefined && getPath(draft.raw, path) === undefined) draft.trySet(path, current);
      return current as T;
    }
    const parsed = kind.parse(answer);
    if ('error' in parsed) {
      p.say(`  ! ${parsed.error}`);
      continue;
    }
    const issues = draft.trySet(path, parsed.value);
    if (issues.length === 0) return parsed.value;
    for (const i of issues) p.say(`  ! ${i}`);
  }
  throw new TooManyTriesError(`too many invalid answers for "${label}"`);
}

/** A yes/no question that only steers the wizard (nothing is written). */
export async function confirm(p: Prompter, question: string, dflt: boolean): Promise<boolean> {
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const answer = (await p.line(`${question} [${dflt ? 'Y/n' : 'y/N'}]: `)).trim();
    if (answer === '') return dflt;
    const parsed = yesNo.parse(answer);
    if ('value' in parsed) return parsed.value;
    p.say(`  ! ${parsed.error}`);
  }
  throw new TooManyTriesError(`too many invalid answers for "${question}"`);
}
