/** Setting and reading nested values in plain config objects (env overlay, --set, unenforced keys). */

export type PathPart = string | number;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Creates intermediate objects (or arrays for numeric parts); refuses prototype keys. */
export function setPath(root: Record<string, unknown>, path: readonly PathPart[], value: unknown): void {
  let node: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as PathPart;
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new Error(`refusing key "${key}"`);
    // A hole in an array would be reported as N missing entries; only existing or next index.
    if (typeof key === 'number' && Array.isArray(node) && key > node.length) throw new Error(`index ${key} is past the end (${node.length} entries)`);
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next !== 'object' || next === null) {
      const created: Record<string | number, unknown> = typeof path[i + 1] === 'number' ? ([] as unknown as Record<number, unknown>) : {};
      node[key] = created;
      node = created;
    } else {
      node = next as Record<string | number, unknown>;
    }
  }
}

export function getPath(root: unknown, path: readonly PathPart[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** `users[1].acl.allow` or `users.1.acl.allow` -> ['users', 1, 'acl', 'allow'] */
export function parsePath(text: string): PathPart[] | undefined {
  const parts: PathPart[] = [];
  for (const seg of text.split('.')) {
    const m = /^([A-Za-z0-9_-]*)((?:\[\d+\])*)$/.exec(seg);
    if (!m) return undefined;
    const name = m[1] ?? '';
    if (name !== '') parts.push(/^\d+$/.test(name) ? Number(name) : name);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) parts.push(Number(idx[1]));
    if (name === '' && !m[2]) return undefined;
  }
  return parts.length > 0 ? parts : undefined;
}

/** Objects merge key by key; arrays and scalars from `over` replace. Returns a new object. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
