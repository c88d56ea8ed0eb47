/**
 * Keys we accept (so configs written for the original keep loading) but do not act on yet.
 * The original silently ignored a dozen such keys; we say so at startup and in `check-config`,
 * once per key set to a non-default value. The lead trims this list as features land.
 */
import { getPath, parsePath } from './object-path.js';
import { configSchema, type Config } from './schema.js';

export interface UnenforcedKey {
  /** Dotted path; `users[].x` / `groups[].x` mean "in any entry". */
  readonly path: string;
  readonly why: string;
}

export const UNENFORCED_KEYS: readonly UnenforcedKey[] = [
  { path: 'connection_pool.enabled', why: 'pooling would hand one client\'s upstream TCP stream to another client; a proxy must not reuse raw streams, so connections are never pooled' },
  { path: 'connection_pool.max_idle_per_host', why: 'connection pooling is not done (see connection_pool.enabled)' },
  { path: 'connection_pool.idle_timeout_secs', why: 'connection pooling is not done (see connection_pool.enabled)' },
  { path: 'server.bookmarks_path', why: 'bookmarks are stored in the persistence data_dir' },
  { path: 'persistence.state.inactive_user_retention_days', why: 'per-user counters are kept until the user is removed from the config (pruning them would silently reset lifetime quotas)' },
  { path: 'persistence.userdata.inactive_retention_days', why: 'shell history and bookmarks are kept until the user is removed from the config' },
];

let defaults: Config | undefined;
function schemaDefaults(): Config {
  defaults ??= configSchema.parse({ users: [{ username: 'defaults' }], groups: [{ name: 'defaults' }] });
  return defaults;
}

function valuesAt(root: unknown, path: string): unknown[] {
  const [head, tail] = path.split('[].') as [string, string | undefined];
  if (tail === undefined) return [getPath(root, parsePath(path) ?? [])];
  const list = getPath(root, parsePath(head) ?? []);
  return Array.isArray(list) ? list.map((entry) => getPath(entry, parsePath(tail) ?? [])) : [];
}

function isDefault(value: unknown, path: string): boolean {
  if (value === undefined) return true;
  const dflt = valuesAt(schemaDefaults(), path)[0];
  return JSON.stringify(value) === JSON.stringify(dflt);
}

export function unenforcedWarnings(config: Config): string[] {
  const warnings: string[] = [];
  for (const key of UNENFORCED_KEYS) {
    if (valuesAt(config, key.path).some((v) => !isDefault(v, key.path))) {
      warnings.push(`${key.path} is accepted but not enforced: ${key.why}`);
    }
  }
  return warnings;
}

