/** "did you mean ...?" for unknown config keys: walks the zod schema to the object holding the typo. */
import type { z } from 'zod';

interface Def { type: string; innerType?: z.ZodType; element?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType> }

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(schema: z.ZodType): z.ZodType {
  for (let i = 0; i < 16; i++) {
    const def = defOf(schema);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!next) return schema;
    schema = next;
  }
  return schema;
}

export function keysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  let schema = unwrap(root);
  for (const part of path) {
    const def = defOf(schema);
    if (typeof part === 'number' && def.element) schema = unwrap(def.element);
    else if (def.shape && typeof part === 'string' && def.shape[part]) schema = unwrap(def.shape[part]);
    else return [];
  }
  const shape = defOf(schema).shape;
  return shape ? Object.keys(shape) : [];
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

export function suggestKey(root: z.ZodType, path: readonly PropertyKey[], key: string): string | undefined {
  if (key.length > 100) return undefined;
  let best: string | undefined;
  let bestScore = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const candidate of keysAt(root, path)) {
    const d = distance(key.toLowerCase(), candidate);
    if (d < bestScore) {
      best = candidate;
      bestScore = d;
    }
  }
  return best;
}
