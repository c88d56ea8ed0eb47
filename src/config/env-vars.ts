/**
 * Every SKS5_* variable (the original's, reference 2.26, and ours), derived from the schema's metadata:
 * `.meta({ env: 'SKS5_X' })` on a server-level key, `.meta({ userEnv: 'X' })` on a per-user field
 * (SKS5_X in single-user mode, SKS5_USER_<N>_X with indexes). How the text is parsed follows the key's
 * type; `secret` values also accept NAME_FILE. The overlay, the manpage and docs/config.md read this.
 */
import type { z } from 'zod';
import { configSchema, userSchema } from './schema.js';

export type EnvKind = 'string' | 'lower' | 'int' | 'bool' | 'list' | 'secret';

export interface EnvVarSpec {
  /** Without the SKS5_ (or SKS5_USER_<N>_) prefix. */
  readonly name: string;
  readonly path: string;
  readonly kind: EnvKind;
}

interface Leaf {
  readonly path: string;
  readonly type: string;
  readonly meta: z.GlobalMeta;
}

/** Keys below `schema`, objects descended, wrappers (optional, default, prefault) unwrapped; metadata of an outer layer wins. */
function leaves(schema: z.ZodType, path: string, outer: z.GlobalMeta, out: Leaf[]): Leaf[] {
  const meta = { ...schema.meta(), ...outer };
  const def = schema.def as { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType> };
  if (def.innerType !== undefined) return leaves(def.innerType, path, meta, out);
  if (def.type === 'object' && def.shape !== undefined) {
    for (const [key, child] of Object.entries(def.shape)) leaves(child, path === '' ? key : `${path}.${key}`, {}, out);
  } else {
    out.push({ path, type: def.type, meta });
  }
  return out;
}

// An enum is matched lower-case ("DEBUG", "Deny" are accepted); the schema checks the rest.
const KIND_OF_TYPE: Readonly<Record<string, EnvKind>> = { string: 'string', enum: 'lower', number: 'int', boolean: 'bool', array: 'list', union: 'string' };

function envSpecs(schema: z.ZodType, key: 'env' | 'userEnv', prefix: string): EnvVarSpec[] {
  const specs: EnvVarSpec[] = [];
  for (const leaf of leaves(schema, '', {}, [])) {
    const name = leaf.meta[key];
    if (name === undefined) continue;
    const kind = leaf.meta.secret === true ? 'secret' : KIND_OF_TYPE[leaf.type];
    // Fails at import, so in every test run, rather than when an operator sets the variable.
    if (kind === undefined || !name.startsWith(prefix)) throw new Error(`${leaf.path}: ${name} cannot be read from the environment (a ${leaf.type})`);
    specs.push({ name: name.slice(prefix.length), path: leaf.path, kind });
  }
  return specs;
}

export const ENV_VARS: readonly EnvVarSpec[] = envSpecs(configSchema, 'env', 'SKS5_');

/** Per-user fields: SKS5_<FIELD> in single-user mode, SKS5_USER_<N>_<FIELD> in multi-user mode. */
export const USER_ENV_FIELDS: readonly EnvVarSpec[] = envSpecs(userSchema, 'userEnv', '');
