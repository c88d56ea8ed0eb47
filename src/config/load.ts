/**
 * Config loading: file text (TOML, or JSON for *.json) -> SKS5_* env overlay -> `--set` overrides ->
 * schema -> cross-field checks -> a deep-frozen Config plus warnings. Every problem from every stage
 * is collected into one ConfigError so an operator sees them all at once.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError, formatZodIssues } from './config-error.js';
import { parseEnvBool, readEnvOverlay, type EnvRecord, type ReadSecretFile } from './env.js';
import { suggestKey } from './key-suggest.js';
import { deepFreeze, deepMerge, isPlainObject } from './object-path.js';
import { configSchema, type Config } from './schema.js';
import { concernsRemoved, parseWithoutRejected } from './prune-invalid.js';
import { applySetOverrides } from './set-override.js';
import { unenforcedWarnings } from './unenforced.js';
import { dropUnknownKeys } from './unknown-keys.js';
import { validateConfig } from './validate.js';

export { ConfigError } from './config-error.js';

/** A config is a few KiB; 1 MiB leaves room for thousands of users and bounds parse time. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Secret files (SKS5_*_FILE) hold one line. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export interface LoadOptions {
  /** Source of SKS5_* variables. Over a file they apply only with forceEnv or SKS5_FORCE_ENV. */
  readonly env?: EnvRecord;
  readonly forceEnv?: boolean;
  /** `--set KEY=VALUE` items, applied last. */
  readonly sets?: readonly string[];
  readonly readSecretFile?: ReadSecretFile;
  readonly fileExists?: (path: string) => boolean;
}

export interface LoadedConfig {
  readonly config: Config;
  readonly warnings: readonly string[];
  /** File path, or "environment" for env-only mode. */
  readonly source: string;
}

/** Reads at most `limit` bytes; a larger file is an error, never a partial read. */
export function readBoundedFile(path: string, limit: number, what: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > limit) throw new Error(`${what} ${path} is ${size} bytes; the limit is ${limit} bytes`);
    const buf = Buffer.alloc(Math.min(size, limit) + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n > limit) throw new Error(`${what} ${path} is larger than the ${limit}-byte limit`);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export const defaultReadSecretFile: ReadSecretFile = (path) => readBoundedFile(path, MAX_SECRET_FILE_BYTES, 'secret file');

/** Parses TOML (or JSON when the name ends in .json) into a plain object; syntax errors carry line/column. */
export function parseRawText(text: string, sourceName: string): Record<string, unknown> {
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
    throw new ConfigError(sourceName, [`(file): larger than ${MAX_CONFIG_BYTES} bytes; a config file is limited to 1 MiB`]);
  }
  if (sourceName.toLowerCase().endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(sourceName, [`(syntax): invalid JSON: ${(err as Error).message}`]);
    }
    if (!isPlainObject(parsed)) throw new ConfigError(sourceName, ['(root): expected a JSON object']);
    return parsed;
  }
  try {
    return dateToText(parseToml(text)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0] ?? err.message;
      throw new ConfigError(sourceName, [`(syntax) line ${err.line}, column ${err.column}: ${first.replace(/^Invalid TOML document: /, '')}`]);
    }
    throw err;
  }
}

/** A bare TOML datetime (expires_at = 2026-01-01T00:00:00Z) becomes its RFC 3339 text, which the schema checks. */
function dateToText(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (Array.isArray(v)) return v.map(dateToText);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dateToText(x)]));
  return v;
}

let defaultsCache: unknown;
function schemaDefaults(): unknown {
  defaultsCache ??= configSchema.parse({ users: [{ username: 'defaults' }], groups: [{ name: 'defaults' }], webhooks: [{ url: 'https://example.com' }] });
  return defaultsCache;
}

function forceEnvOf(opts: LoadOptions): boolean {
  const flag = opts.env?.['SKS5_FORCE_ENV'];
  return opts.forceEnv === true || (flag !== undefined && parseEnvBool(flag) === true);
}

/**
 * Validates a raw config object (already parsed from a file, or built by presets/quick-start),
 * after applying the env overlay (when `useEnv`) and `--set` items.
 */
export function buildConfig(raw: Record<string, unknown>, source: string, opts: LoadOptions & { useEnv?: boolean } = {}): LoadedConfig {
  const issues: string[] = [];
  const warnings: string[] = [];
  const origins = new Map<string, string>();
  let merged = raw;
  if (opts.useEnv && opts.env) {
    const env = readEnvOverlay(opts.env, opts.readSecretFile ?? defaultReadSecretFile);
    issues.push(...env.issues);
    warnings.push(...env.warnings);
    for (const [k, v] of env.origins) origins.set(k, v);
    if (env.definesUsers && Array.isArray(raw['users'])) {
      warnings.push(`users from the environment replace the ${raw['users'].length} user(s) of ${source}`);
    }
    merged = deepMerge(raw, env.overlay);
  } else if (opts.env && Object.keys(opts.env).some((k) => k.startsWith('SKS5_') && k !== 'SKS5_CONFIG' && k !== 'SKS5_FORCE_ENV' && k !== 'SKS5_DATA_DIR')) {
    warnings.push(`SKS5_* environment variables are ignored because ${source} exists; use --force-env or SKS5_FORCE_ENV=true to apply them`);
  }
  if (opts.sets && opts.sets.length > 0) {
    merged = structuredClone(merged);
    const set = applySetOverrides(merged, opts.sets, schemaDefaults());
    issues.push(...set.issues);
    for (const [k, v] of set.origins) origins.set(k, v);
  }
  // Keys the original would have ignored are dropped with a warning (see unknown-keys.ts).
  const known = dropUnknownKeys(configSchema, merged, (path, key) => suggestKey(configSchema, path, key), (p) => origins.has(p));
  merged = known.raw;
  warnings.push(...known.warnings);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    issues.push(...formatZodIssues(parsed.error.issues, origins, (path, key) => suggestKey(configSchema, path, key)));
    // The rest of the file is still checked in this pass (see prune-invalid.ts).
    const rest = parseWithoutRejected(configSchema, merged, parsed.error.issues);
    if (rest !== undefined) {
      const more = validateConfig(rest.data, { fileExists: opts.fileExists ?? existsSync });
      issues.push(...more.issues.filter((i) => !concernsRemoved(i, rest.removed)));
    }
    throw new ConfigError(source, issues);
  }
  const checked = validateConfig(parsed.data, { fileExists: opts.fileExists ?? existsSync });
  issues.push(...checked.issues);
  if (issues.length > 0) throw new ConfigError(source, issues);
  warnings.push(...checked.warnings, ...unenforcedWarnings(parsed.data));
  return deepFreeze({ config: parsed.data, warnings, source });
}

export function parseConfigText(text: string, sourceName: string, opts: LoadOptions = {}): LoadedConfig {
  return buildConfig(parseRawText(text, sourceName), sourceName, { ...opts, useEnv: forceEnvOf(opts) });
}

export function loadConfigFile(path: string, opts: LoadOptions = {}): LoadedConfig {
  let text: string;
  try {
    text = readBoundedFile(path, MAX_CONFIG_BYTES, 'config file');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'file not found' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new ConfigError(path, [`(file): ${why}`]);
  }
  return parseConfigText(text, path, opts);
}

/** Env-only mode (no config file, as in the original's Docker usage): SKS5_SSH_LISTEN plus credentials. */
export function loadConfigFromEnv(opts: LoadOptions & { env: EnvRecord }): LoadedConfig {
  return buildConfig({}, 'environment', { ...opts, useEnv: true });
}
