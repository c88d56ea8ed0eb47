/**
 * ConfigError carries every problem found in a config at once, each as `path.to.key: message`,
 * so `check-config` can list them all instead of making the operator fix one typo per run.
 */
import type { z } from 'zod';

export class ConfigError extends Error {
  readonly issues: readonly string[];

  constructor(source: string, issues: readonly string[]) {
    const head = `${source}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the configuration`;
    super(`${head}\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = Object.freeze([...issues]);
  }
}

/** `['users', 1, 'password_hash']` -> `users[1].password_hash` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Where a value came from when it was not the file: `SKS5_MAX_CONNECTIONS`, `--set limits.x=1`. */
export type Origins = ReadonlyMap<string, string>;

const LAST_SEGMENT = /(\.[^.[\]]+|\[\d+\])$/;

function originNote(path: string, origins: Origins | undefined): string {
  if (!origins) return '';
  // The closest ancestor that came from env or --set names the source (users[0] for a whole env user).
  for (let p = path, i = 0; p !== '' && i < 32; p = p.replace(LAST_SEGMENT, ''), i++) {
    const o = origins.get(p);
    if (o !== undefined) return ` (from ${o})`;
    if (!LAST_SEGMENT.test(p)) break;
  }
  return '';
}

/** One line per problem; unknown keys are split so each typo gets its own line. */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], origins?: Origins, suggest?: (path: readonly PropertyKey[], key: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = formatPath([...issue.path, key]);
        const hint = suggest?.(issue.path, key);
        out.push(`${path}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}${originNote(path, origins)}`);
      }
      continue;
    }
    const path = formatPath(issue.path) || '(root)';
    const message = issue.message.replace(/^Invalid input: /, '');
    out.push(`${path}: ${message}${originNote(path, origins)}`);
  }
  return out;
}
