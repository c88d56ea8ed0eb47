/**
 * `--set KEY=VALUE` overrides (dotted path, `users[0].x` or `users.0.x`). As in the original, the
 * value takes the type of the value already there (or of the schema default); with nothing to go by
 * it is read as a TOML value, falling back to a plain string, so `--set server.socks5_listen=:1080`
 * needs no quoting.
 */
import { parse as parseToml } from 'smol-toml';
import { parseEnvBool, parseEnvList } from './env.js';
import { getPath, parsePath, setPath, type PathPart } from './object-path.js';

export interface SetResult {
  readonly issues: string[];
  readonly origins: Map<string, string>;
}

const MAX_SET_LENGTH = 64 * 1024;

function inferFromToml(text: string): unknown {
  try {
    const parsed = parseToml(`v = ${text}`)['v'];
    // Dates stay strings: the schema validates RFC 3339 text, not Date objects.
    return parsed instanceof Date ? text : parsed;
  } catch {
    return text;
  }
}

function convert(text: string, hint: unknown): { value?: unknown; error?: string } {
  if (typeof hint === 'number') {
    const n = Number(text.trim());
    return text.trim() !== '' && Number.isFinite(n) ? { value: n } : { error: `expected a number, got "${text}"` };
  }
  if (typeof hint === 'boolean') {
    const b = parseEnvBool(text);
    return b === undefined ? { error: `expected true or false, got "${text}"` } : { value: b };
  }
  if (Array.isArray(hint)) {
    if (text.trim().startsWith('[')) {
      const v = inferFromToml(text);
      return Array.isArray(v) ? { value: v } : { error: 'expected a TOML array such as ["a", "b"]' };
    }
    return { value: parseEnvList(text) };
  }
  if (typeof hint === 'string') return { value: text };
  return { value: inferFromToml(text) };
}

/** `defaults` is a fully defaulted config used only to learn a key's type when `raw` lacks it. */
export function applySetOverrides(raw: Record<string, unknown>, sets: readonly string[], defaults: unknown): SetResult {
  const issues: string[] = [];
  const origins = new Map<string, string>();
  for (const item of sets) {
    const label = `--set ${item.length > 80 ? `${item.slice(0, 80)}...` : item}`;
    const eq = item.indexOf('=');
    if (eq <= 0 || item.length > MAX_SET_LENGTH) {
      issues.push(`${label}: expected KEY=VALUE, e.g. --set limits.max_connections=500`);
      continue;
    }
    const keyText = item.slice(0, eq).trim();
    const path = parsePath(keyText);
    if (!path) {
      issues.push(`${label}: "${keyText}" is not a key path such as limits.max_connections or users[0].group`);
      continue;
    }
    const hint = getPath(raw, path) ?? getPath(defaults, path.map((p): PathPart => (typeof p === 'number' ? 0 : p)));
    const { value, error } = convert(item.slice(eq + 1), hint);
    if (error !== undefined) {
      issues.push(`${label}: ${error}`);
      continue;
    }
    try {
      setPath(raw, path, value);
    } catch (err) {
      issues.push(`${label}: ${(err as Error).message}`);
      continue;
    }
    origins.set(path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), ''), `--set ${keyText}`);
  }
  return { issues, origins };
}
