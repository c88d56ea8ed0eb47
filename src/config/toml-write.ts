/**
 * Writes config objects as TOML for `init`, `quick-start --save-config` and `show-config`.
 * Undefined values are dropped first (TOML has no null) so optional keys simply do not appear.
 */
import { stringify } from 'smol-toml';

function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = prune(v);
    return out;
  }
  return value;
}

export function toToml(config: Readonly<Record<string, unknown>>, headerLines: readonly string[] = []): string {
  const header = headerLines.map((l) => `# ${l}`.trimEnd()).join('\n');
  const body = stringify(prune(config) as Record<string, unknown>);
  return header === '' ? `${body}\n` : `${header}\n\n${body}\n`;
}
