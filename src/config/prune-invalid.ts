/**
 * When the schema rejects a file, the cross-field checks (ACL rules, time windows, duplicate users,
 * unknown groups, ...) would otherwise wait for the next run: the operator fixes a typo, runs
 * check-config again and only then learns of the bad CIDR. Removing each rejected value (so its
 * default applies) and parsing again lets those checks run in the same pass. Problems reported
 * under a removed path are dropped: they describe the default, not what the operator wrote.
 */
import type { z } from 'zod';
import { formatPath } from './config-error.js';
import { isPlainObject, type PathPart } from './object-path.js';

/** Each round removes what the previous parse rejected; a value whose removal is itself rejected ends it. */
const MAX_ROUNDS = 4;

export interface Pruned<T> {
  readonly data: T;
  /** Formatted paths (`users[0].password_hash`) whose values were removed. */
  readonly removed: readonly string[];
}

function toParts(path: readonly PropertyKey[]): PathPart[] | undefined {
  const out: PathPart[] = [];
  for (const p of path) {
    if (typeof p === 'symbol') return undefined;
    out.push(p);
  }
  return out;
}

/**
 * Deleting one array element would shift the index of every later one and make the checks
 * name the wrong entry, so a rejected element removes the whole list.
 */
function removalTarget(path: PathPart[]): PathPart[] {
  return typeof path[path.length - 1] === 'number' ? path.slice(0, -1) : path;
}

/** Deletes the value at `path`; false when there is nothing there to delete. */
function deleteAt(root: Record<string, unknown>, path: readonly PathPart[]): boolean {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<PathPart, unknown>)[path[i] as PathPart];
  }
  const last = path[path.length - 1];
  if (last === undefined || !isPlainObject(node) || !Object.prototype.hasOwnProperty.call(node, last)) return false;
  delete node[last];
  return true;
}

function targetsOf(issue: z.core.$ZodIssue): PathPart[][] | undefined {
  const base = toParts(issue.path);
  if (base === undefined) return undefined;
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => [...base, k]);
  return base.length === 0 ? undefined : [removalTarget(base)];
}

/**
 * Parses `raw` again with every rejected value removed; undefined when that does not converge
 * (for example a required key that is itself wrong), in which case only the schema's problems
 * can be reported.
 */
export function parseWithoutRejected<T>(schema: z.ZodType<T>, raw: Record<string, unknown>, first: readonly z.core.$ZodIssue[]): Pruned<T> | undefined {
  const copy = structuredClone(raw);
  const removed: string[] = [];
  let issues = first;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    for (const issue of issues) {
      const targets = targetsOf(issue);
      if (targets === undefined) return undefined;
      for (const t of targets) {
        if (!deleteAt(copy, t) && !removed.includes(formatPath(t))) return undefined;
        removed.push(formatPath(t));
      }
    }
    const again = schema.safeParse(copy);
    if (again.success) return { data: again.data, removed };
    issues = again.error.issues;
  }
  return undefined;
}

/** True when `problem` (`path: message`) is about a removed path, one of its parents or children. */
export function concernsRemoved(problem: string, removed: readonly string[]): boolean {
  const colon = problem.indexOf(': ');
  const path = colon < 0 ? problem : problem.slice(0, colon);
  const within = (inner: string, outer: string): boolean =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return removed.some((r) => within(path, r) || within(r, path));
}
