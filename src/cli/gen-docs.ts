/**
 * docs/config.md and config.example.toml, generated from the zod schema (`npm run gen`). A unit test
 * regenerates both in memory and fails when the committed copies are stale, so the docs cannot drift
 * from the validator.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'smol-toml';
import { z } from 'zod';
import { ENV_VARS, USER_ENV_FIELDS, type EnvVarSpec } from '../config/env-vars.js';
import { configSchema } from '../config/schema.js';
import { renderPipelineDocs } from './gen-pipeline-docs.js';

interface JsonNode {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonNode>;
  required?: string[];
  items?: JsonNode;
  anyOf?: JsonNode[];
  additionalProperties?: JsonNode | boolean;
}

export interface KeyRow {
  readonly path: string;
  readonly type: string;
  readonly default: string;
  /** The SKS5_* variable(s) that set the key, as markdown; '' when none does. */
  readonly env: string;
  readonly description: string;
}

/** Never a real hash: nobody knows a password for it, so an unedited example cannot be logged into. */
export const EXAMPLE_PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$UkVQTEFDRS1NRQ$UkVQTEFDRSBXSVRIIHNrczUgaGFzaC1wYXNzd29yZCBvdXRwdXQ';

function jsonSchema(): JsonNode {
  return z.toJSONSchema(configSchema, { unrepresentable: 'any', io: 'input' }) as JsonNode;
}

function plain(node: JsonNode): JsonNode {
  return node.anyOf?.find((n) => n.type !== 'null') ?? node;
}

/** The schema's `.describe()` text; zod puts it on the wrapper (optional, default) or the inner type. */
const descriptionOf = (n: JsonNode): string | undefined => plain(n).description ?? n.description;

const isTable = (n: JsonNode): boolean => plain(n).type === 'object' && plain(n).properties !== undefined;
const isTableArray = (n: JsonNode): boolean => plain(n).type === 'array' && plain(n).items !== undefined && isTable(plain(n).items as JsonNode);

function typeOf(raw: JsonNode): string {
  const members = raw.anyOf?.filter((m) => m.type !== 'null') ?? [];
  // A key that takes one of several forms (workers: a number or "auto"); text forms of a number are not shown.
  if (members.length > 1) {
    const shown = members.filter((m) => !(m.type === 'string' && m.pattern !== undefined && members.some((o) => o.type === 'integer')));
    return [...new Set(shown.map((m) => (m.const !== undefined ? JSON.stringify(m.const) : typeOf(m))))].join(' or ');
  }
  const n = plain(raw);
  if (n.enum) return n.enum.map((e) => JSON.stringify(e)).join(' \\| ');
  if (n.type === 'array') return isTableArray(n) ? 'array of tables' : `${typeOf(n.items ?? {})}[]`;
  if (n.type === 'object') return n.properties ? 'table' : 'table of strings';
  if (n.type === 'integer' || n.type === 'number') {
    // zod's .int() adds the safe-integer bounds; they are noise in a table.
    const min = n.minimum !== undefined && n.minimum > Number.MIN_SAFE_INTEGER ? n.minimum : undefined;
    const max = n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER ? n.maximum : undefined;
    if (min !== undefined && max !== undefined) return `integer (${min}-${max})`;
    if (min !== undefined) return `integer (>= ${min})`;
    if (max !== undefined) return `integer (<= ${max})`;
    return 'integer';
  }
  return n.type ?? 'any';
}

function defaultOf(path: string, raw: JsonNode, required: boolean): string {
  const n = plain(raw);
  if (n.default !== undefined && !(isTable(n) && JSON.stringify(n.default) === '{}')) return `\`${JSON.stringify(n.default)}\``;
  if (required) return 'required';
  return isTable(n) ? '' : path.startsWith('users[].') || path.startsWith('groups[].') ? 'inherited' : 'unset';
}

const byPath = (specs: readonly EnvVarSpec[], prefix: string): Map<string, string> =>
  new Map(specs.map((v) => [v.path, `\`${prefix}${v.name}\`${v.kind === 'secret' ? `, \`${prefix}${v.name}_FILE\`` : ''}`]));
const GLOBAL_ENV = byPath(ENV_VARS, 'SKS5_');
const USER_ENV = byPath(USER_ENV_FIELDS, 'SKS5_USER_<N>_');

function envOf(path: string): string {
  return (path.startsWith('users[].') ? USER_ENV.get(path.slice('users[].'.length)) : GLOBAL_ENV.get(path)) ?? '';
}

export function configKeyRows(): KeyRow[] {
  const rows: KeyRow[] = [];
  const walk = (node: JsonNode, prefix: string): void => {
    const n = plain(node);
    for (const [key, child] of Object.entries(n.properties ?? {})) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      const description = descriptionOf(child) ?? '';
      rows.push({ path, type: typeOf(child), default: defaultOf(path, child, n.required?.includes(key) === true && plain(child).default === undefined), env: envOf(path), description });
      if (isTable(child)) walk(child, path);
      else if (isTableArray(child)) walk(plain(child).items as JsonNode, `${path}[]`);
    }
  };
  walk(jsonSchema(), '');
  return rows;
}

export function renderConfigDocs(): string {
  const out = [
    '# sks5 configuration reference',
    '',
    '<!-- Generated by `npm run gen` from src/config/schema.ts; do not edit by hand. -->',
    '',
    'TOML (or JSON when the file name ends in `.json`). An unknown key in the file is ignored with a warning that names',
    'it and the key it probably meant (as the original ignored it), except inside an `acl` table, where it is an error:',
    'a misspelt `deny` would be a rule that silently does not apply. An unknown key given with `--set` is an error.',
    'Any key can be overridden with `--set path=value`, and those with an Environment entry by that variable',
    '(a secret also by `<NAME>_FILE`, the path of a file holding it). Per-user variables are `SKS5_USER_<N>_<FIELD>`',
    'for users 0, 1, 2...; `sks5 manpage` lists them all, with the single-user `SKS5_<FIELD>` forms.',
    '`users[].x` and `groups[].x` are keys inside each `[[users]]` / `[[groups]]` entry; "inherited" means',
    'user > group > global.',
    '',
  ];
  let section = '';
  for (const row of configKeyRows()) {
    const top = row.path.split(/[.[]/)[0] as string;
    if (top !== section) {
      section = top;
      out.push(`## ${top}`, '', '| Key | Type | Default | Environment | Description |', '|---|---|---|---|---|');
    }
    out.push(`| \`${row.path}\` | ${row.type} | ${row.default} | ${row.env} | ${row.description.replace(/\|/g, '\\|')} |`);
  }
  return `${out.join('\n')}\n`;
}

function tomlLine(key: string, value: unknown): string {
  // A free-form table (users[].aliases) reads better inline than as an empty [header].
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) return `${key} = {}`;
  return stringify({ [key]: value }).trim();
}

const EXAMPLE_VALUES: Record<string, unknown> = {
  'server.socks5_listen': '0.0.0.0:1080',
  'server.socks5_tls_cert': '/etc/sks5/socks5.crt',
  'server.socks5_tls_key': '/etc/sks5/socks5.key',
  'logging.audit_log_path': 'audit.log',
  'geoip.database_path': '/usr/share/GeoIP/GeoLite2-Country.mmdb',
  'upstream_proxy.url': 'socks5://user:pass@proxy.example.com:1080',
  'persistence.data_dir': '/var/lib/sks5',
  'users.authorized_keys': ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... alice@laptop'],
  'users.group': 'staff',
  'users.expires_at': '2030-01-01T00:00:00Z',
  'users.upstream_proxy': 'socks5://proxy.example.com:1080',
  'users.allow_shell': true,
  'users.allow_forwarding': true,
  'users.colors': true,
  'users.aliases': { ll: 'ls -l' },
};

function placeholder(n: JsonNode, keyPath: string): unknown {
  const shared = keyPath.replace(/^groups\./, 'users.');
  if (shared in EXAMPLE_VALUES) return EXAMPLE_VALUES[shared];
  const p = plain(n);
  if (p.enum) return p.enum[0];
  if (p.type === 'array') return [];
  if (p.type === 'integer' || p.type === 'number') return p.minimum ?? 0;
  if (p.type === 'boolean') return false;
  if (p.type === 'object') return {};
  return '';
}

const SAMPLES: Record<string, Record<string, unknown>> = {
  users: { username: 'alice', password_hash: EXAMPLE_PASSWORD_HASH },
  groups: { name: 'staff' },
  webhooks: { url: 'https://hooks.example.com/sks5' },
  'alerting.rules': { name: 'too-many-failures', condition: 'auth_failures', threshold: 10 },
  maintenance_windows: { schedule: 'Sun 02:00-04:00' },
};

/** Writes one table; with `commented`, every line is a comment (optional tables, extra examples). */
function emitTable(out: string[], path: string, node: JsonNode, header: string | undefined, commented: boolean, sample?: Record<string, unknown>): void {
  const c = commented ? '# ' : '';
  const n = plain(node);
  if (header) out.push('', `${c}${header}`);
  const sub: [string, JsonNode][] = [];
  for (const [key, child] of Object.entries(n.properties ?? {})) {
    const p = plain(child);
    const keyPath = `${path}.${key}`;
    if (isTable(child) || isTableArray(child)) {
      sub.push([key, child]);
      continue;
    }
    const desc = descriptionOf(child);
    if (desc) out.push(`${c}# ${desc}`);
    if (sample && key in sample) out.push(`${c}${tomlLine(key, sample[key])}`);
    else if (p.default !== undefined && !sample) out.push(`${c}${tomlLine(key, p.default)}`);
    else out.push(`# ${tomlLine(key, p.default ?? placeholder(child, keyPath))}`);
  }
  for (const [key, child] of sub) {
    const keyPath = `${path}.${key}`;
    if (isTableArray(child)) continue; // alerting.rules: emitted by emitArray
    const optional = plain(child).default === undefined || sample !== undefined;
    emitTable(out, keyPath, child, `[${keyPath}]`, commented || optional);
  }
}

function emitArray(out: string[], path: string, node: JsonNode, live: boolean): void {
  const items = plain(node).items as JsonNode;
  const desc = descriptionOf(node);
  out.push('', `# ---- [[${path}]]${desc ? `: ${desc}` : ''}`);
  emitTable(out, path, items, `[[${path}]]`, !live, SAMPLES[path] ?? {});
}

export function renderExampleToml(): string {
  const root = jsonSchema();
  const out = [
    '# sks5 example configuration, generated by `npm run gen` from src/config/schema.ts.',
    '# Every key is shown with its default; commented keys are optional. Validate with `sks5 check-config`.',
    '# Replace the example password_hash with the output of `sks5 hash-password`.',
  ];
  for (const [key, child] of Object.entries(root.properties ?? {})) {
    const desc = descriptionOf(child);
    if (isTableArray(child)) {
      emitArray(out, key, child, key === 'users');
    } else if (isTable(child)) {
      out.push('', `# ==== ${desc ?? key}`);
      const optional = plain(child).default === undefined;
      emitTable(out, key, child, `[${key}]`, optional);
      for (const [k2, c2] of Object.entries(plain(child).properties ?? {})) if (isTableArray(c2)) emitArray(out, `${key}.${k2}`, c2, false);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Each generated file from its current text (undefined when absent): whole files ignore it, docs/pipeline.md rewrites its marked regions. */
export const GENERATED_FILES: Readonly<Record<string, (current: string | undefined) => string>> = {
  'docs/config.md': renderConfigDocs,
  'config.example.toml': renderExampleToml,
  'docs/pipeline.md': (current) => renderPipelineDocs(current ?? ''),
};

function readOrUndefined(file: string): string | undefined {
  try { return readFileSync(file, 'utf8'); } catch { return undefined; }
}

export function writeGeneratedDocs(rootDir: string): string[] {
  const written: string[] = [];
  for (const [rel, render] of Object.entries(GENERATED_FILES)) {
    const file = join(rootDir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, render(readOrUndefined(file)));
    written.push(rel);
  }
  return written;
}

/** Files whose committed content differs from what the schema and the catalogue generate now. */
export function staleGeneratedDocs(rootDir: string): string[] {
  return Object.entries(GENERATED_FILES)
    .filter(([rel, render]) => {
      const current = readOrUndefined(join(rootDir, rel));
      try {
        return current === undefined || current !== render(current);
      } catch {
        return true;
      }
    })
    .map(([rel]) => rel);
}
