/**
 * The SKS5_* environment overlay (Docker/Kubernetes deployments): a pure function from an env record
 * to a partial config object. The variable names are the original's, carried by the schema
 * (env-vars.ts derives the table) so docs, tests and the "unknown variable" warning all read the same table. Type checks beyond int/bool/list are left to
 * the schema; `origins` lets its messages name the variable instead of the config path.
 */
import { ENV_VARS, USER_ENV_FIELDS, type EnvKind, type EnvVarSpec } from './env-vars.js';
import { getPath, setPath } from './object-path.js';

export type EnvRecord = Readonly<Record<string, string | undefined>>;
export type ReadSecretFile = (path: string) => string;

export interface EnvOverlay {
  /** Partial config (nested plain objects); empty when no SKS5_* variable is set. */
  readonly overlay: Record<string, unknown>;
  /** `SKS5_X: message` for each bad value. */
  readonly issues: string[];
  readonly warnings: string[];
  /** config path -> variable name, so schema errors can say which variable was wrong. */
  readonly origins: Map<string, string>;
  /** Users defined by env (indexed or single); replaces the file's users in --force-env mode. */
  readonly definesUsers: boolean;
}

const MAX_INDEXED_USERS = 10_000;
const SECRET_NAMES = new Set([...ENV_VARS, ...USER_ENV_FIELDS].filter((f) => f.kind === 'secret').map((f) => f.name));
const FLAT_USER_NAMES = new Set([...USER_ENV_FIELDS.map((f) => `SKS5_${f.name}`), ...USER_ENV_FIELDS.filter((f) => f.kind === 'secret').map((f) => `SKS5_${f.name}_FILE`), 'SKS5_USER_UPSTREAM_PROXY', 'SKS5_MAX_CONNECTIONS_USER']);
const OTHER_KNOWN = new Set(['SKS5_CONFIG', 'SKS5_FORCE_ENV']);

/** Names of the secret-bearing variables present in `env` (to delete from process.env after reading). */
export function sensitiveEnvNames(env: EnvRecord): string[] {
  return Object.keys(env).filter((k) => {
    const m = /^SKS5_(?:USER_\d+_)?(.+?)(?:_FILE)?$/.exec(k);
    return m !== null && SECRET_NAMES.has(m[1] as string);
  });
}

function value(env: EnvRecord, name: string): string | undefined {
  const v = env[name];
  // The original treats an empty variable as unset; compose files often declare `SKS5_X=`.
  return v === undefined || v === '' ? undefined : v;
}

export function parseEnvBool(raw: string): boolean | undefined {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  return undefined;
}

export function parseEnvList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** True when env alone can describe a server: SKS5_SSH_LISTEN plus credentials (the original's rule). */
export function hasEnvConfig(env: EnvRecord): boolean {
  if (value(env, 'SKS5_SSH_LISTEN') === undefined) return false;
  return ['SKS5_USER_0_USERNAME', 'SKS5_PASSWORD_HASH', 'SKS5_PASSWORD_HASH_FILE', 'SKS5_AUTHORIZED_KEYS'].some((n) => value(env, n) !== undefined);
}

class OverlayBuilder {
  readonly overlay: Record<string, unknown> = {};
  readonly issues: string[] = [];
  readonly warnings: string[] = [];
  readonly origins = new Map<string, string>();
  readonly consumed = new Set<string>();
  readonly #env: EnvRecord;
  readonly #readFile: ReadSecretFile;

  constructor(env: EnvRecord, readFile: ReadSecretFile) {
    this.#env = env;
    this.#readFile = readFile;
  }

  has(name: string): boolean {
    return value(this.#env, name) !== undefined || value(this.#env, `${name}_FILE`) !== undefined;
  }

  apply(name: string, kind: EnvKind, path: readonly (string | number)[], pathText: string): void {
    this.consumed.add(name);
    if (kind === 'secret') this.consumed.add(`${name}_FILE`);
    const parsed = this.#read(name, kind);
    if (parsed === undefined) return;
    setPath(this.overlay, path, parsed);
    this.origins.set(pathText, name);
  }

  #read(name: string, kind: EnvKind): unknown {
    const raw = value(this.#env, name);
    if (kind === 'secret') {
      if (raw !== undefined) return raw;
      const file = value(this.#env, `${name}_FILE`);
      if (file === undefined) return undefined;
      let content: string;
      try {
        content = this.#readFile(file).trim();
      } catch (err) {
        this.issues.push(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
        return undefined;
      }
      if (content === '') this.issues.push(`${name}_FILE: ${file} is empty`);
      return content === '' ? undefined : content;
    }
    if (raw === undefined) return undefined;
    switch (kind) {
      case 'string':
        return raw;
      case 'lower':
        return raw.trim().toLowerCase();
      case 'list':
        return parseEnvList(raw);
      case 'bool': {
        const b = parseEnvBool(raw);
        if (b === undefined) this.issues.push(`${name}: expected true/false, 1/0 or yes/no, got "${raw}"`);
        return b;
      }
      case 'int': {
        const t = raw.trim();
        if (!/^-?\d{1,15}$/.test(t)) {
          this.issues.push(`${name}: expected an integer, got "${raw}"`);
          return undefined;
        }
        return Number(t);
      }
    }
  }

  applyUser(prefix: string, index: number, fields: readonly EnvVarSpec[]): void {
    for (const f of fields) {
      const path = f.path.split('.');
      this.apply(`${prefix}${f.name}`, f.kind, ['users', index, ...path], `users[${index}].${f.path}`);
    }
  }
}

/**
 * Reads every SKS5_* variable of the original into a partial config. Indexed users
 * (SKS5_USER_<N>_<FIELD>) win over the single-user flat variables when SKS5_USER_0_USERNAME is set.
 */
export function readEnvOverlay(env: EnvRecord, readFile: ReadSecretFile): EnvOverlay {
  const b = new OverlayBuilder(env, readFile);
  for (const spec of ENV_VARS) b.apply(`SKS5_${spec.name}`, spec.kind, spec.path.split('.'), spec.path);

  let definesUsers = false;
  let n = 0;
  if (value(env, 'SKS5_USER_0_USERNAME') !== undefined) {
    while (n < MAX_INDEXED_USERS && value(env, `SKS5_USER_${n}_USERNAME`) !== undefined) {
      b.applyUser(`SKS5_USER_${n}_`, n, USER_ENV_FIELDS);
      b.origins.set(`users[${n}]`, `SKS5_USER_${n}_*`);
      n++;
    }
    definesUsers = true;
  } else if (['SKS5_USERNAME', 'SKS5_PASSWORD_HASH', 'SKS5_AUTHORIZED_KEYS'].some((name) => b.has(name))) {
    // Flat single-user mode. SKS5_MAX_CONNECTIONS is the server-wide limit here, so the per-user
    // limit keeps its legacy name SKS5_MAX_CONNECTIONS_USER.
    b.applyUser('SKS5_', 0, USER_ENV_FIELDS.filter((f) => f.name !== 'MAX_CONNECTIONS'));
    b.apply('SKS5_MAX_CONNECTIONS_USER', 'int', ['users', 0, 'max_connections'], 'users[0].max_connections');
    if (value(env, 'SKS5_UPSTREAM_PROXY') === undefined) {
      b.apply('SKS5_USER_UPSTREAM_PROXY', 'string', ['users', 0, 'upstream_proxy'], 'users[0].upstream_proxy');
    }
    // The _FILE secret may have failed to read, leaving no users[0] at all; the username still defaults.
    if (getPath(b.overlay, ['users', 0, 'username']) === undefined) setPath(b.overlay, ['users', 0, 'username'], 'user');
    b.origins.set('users[0]', 'SKS5_USERNAME/SKS5_PASSWORD_HASH/SKS5_AUTHORIZED_KEYS');
    definesUsers = true;
  }

  warnAboutGap(env, n, b.warnings);
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('SKS5_') || b.consumed.has(name) || OTHER_KNOWN.has(name) || value(env, name) === undefined) continue;
    const indexed = /^SKS5_USER_(\d+)_/.exec(name);
    if (indexed && Number(indexed[1]) >= n) continue; // reported by warnAboutGap
    b.warnings.push(FLAT_USER_NAMES.has(name)
      ? `${name}: ignored; single-user variables apply when SKS5_USERNAME, SKS5_PASSWORD_HASH or SKS5_AUTHORIZED_KEYS is set and SKS5_USER_0_USERNAME is not`
      : `${name}: unknown environment variable, ignored`);
  }
  return { overlay: b.overlay, issues: b.issues, warnings: b.warnings, origins: b.origins, definesUsers };
}

function warnAboutGap(env: EnvRecord, firstMissing: number, warnings: string[]): void {
  const stranded = new Set<number>();
  for (const name of Object.keys(env)) {
    const m = /^SKS5_USER_(\d+)_/.exec(name);
    if (m && Number(m[1]) >= firstMissing) stranded.add(Number(m[1]));
  }
  if (stranded.size > 0) {
    const list = [...stranded].sort((a, b) => a - b).slice(0, 10).join(', ');
    warnings.push(`SKS5_USER_${firstMissing}_USERNAME is not set, so the variables of indexed user(s) ${list} are ignored (indexes must be contiguous from 0)`);
  }
}
