/**
 * Keys the schema does not know. The original ignored them (serde's default), so a file written for
 * it may carry keys of another version, or typos it never complained about; refusing the whole file
 * would keep a switching user from starting at all. Such keys are dropped with a warning that names
 * them (and the key they probably meant). Inside an ACL table a dropped key is a rule the operator
 * wrote and we would not apply (`denny = [...]`), which opens access silently: there it stays an
 * error, and the schema reports it.
 */
import type { z } from 'zod';
import { formatPath } from './config-error.js';
import { isPlainObject } from './object-path.js';

/** Unknown keys at every depth come in one parse; a second round only catches the unexpected. */
const MAX_ROUNDS = 3;

export interface DroppedKeys {
  /** `raw` when nothing was dropped, else a copy without the dropped keys. */
  readonly raw: Record<string, unknown>;
  readonly warnings: readonly string[];
}

/** An unknown key under an `acl` table (global, group or user) is refused, not dropped. */
export function isAclPath(path: readonly PropertyKey[]): boolean {
  return path.includes('acl');
}

function deleteKey(root: Record<string, unknown>, path: readonly PropertyKey[], key: string): boolean {
  let node: unknown = root;
  for (const part of path) {
    if (typeof part === 'symbol' || node === null || typeof node !== 'object') return false;
    node = (node as Record<string | number, unknown>)[part];
  }
  if (!isPlainObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) return false;
  delete node[key];
  return true;
}

/**
 * `typedNow` names keys that came from `--set` or the environment rather than the file: those were
 * typed for this run, so an unknown one stays an error.
 */
export function dropUnknownKeys(
  schema: z.ZodType,
  raw: Record<string, unknown>,
  suggest: (path: readonly PropertyKey[], key: string) => string | undefined,
  typedNow: (formattedPath: string) => boolean = () => false,
): DroppedKeys {
  let current = raw;
  const warnings: string[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const parsed = schema.safeParse(current);
    if (parsed.success) break;
    let dropped = false;
    for (const issue of parsed.error.issues) {
      if (issue.code !== 'unrecognized_keys' || isAclPath(issue.path)) continue;
      for (const key of issue.keys) {
        const where = formatPath([...issue.path, key]);
        if (typedNow(where)) continue;
        if (current === raw) current = structuredClone(raw);
        if (!deleteKey(current, issue.path, key)) continue;
        dropped = true;
        const hint = suggest(issue.path, key);
        warnings.push(`${where}: unknown key, ignored${hint ? ` (did you mean "${hint}"?)` : ''}`);
      }
    }
    if (!dropped) break;
  }
  return { raw: current, warnings };
}
