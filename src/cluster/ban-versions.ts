/**
 * Bans across nodes as last-writer-wins registers: every ban and unban is a version stamped with
 * when and where it was made; an unban is a tombstone that lives as long as the ban it lifted
 * could have. A node that was cut off merges by version instead of overwriting, so a ban made
 * while apart survives and an unban made elsewhere is not undone by the returning node's copy.
 * Pure: the sync applies the plan.
 */
import { z } from 'zod';

export interface BanVersion {
  /** When the change was made (ms since the epoch, the maker's clock). */
  at: number;
  node: string;
  /** The ban's end; for a tombstone, when it can be forgotten. */
  expiresAt: number;
  reason: string;
  removed: boolean;
}

/** Stored and sent as short keys: a busy cluster holds one per banned address. */
const wire = z.strictObject({
  a: z.number().int().nonnegative(),
  n: z.string().min(1).max(128),
  e: z.number().int().nonnegative(),
  r: z.string().max(512).default(''),
  x: z.literal(1).optional(),
});

export function encodeBanVersion(v: BanVersion): string {
  return JSON.stringify({ a: v.at, n: v.node, e: v.expiresAt, ...(v.removed ? { x: 1 } : { r: v.reason }) });
}

export function decodeBanVersion(text: string): BanVersion | undefined {
  if (text.length > 2048) return undefined;
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return undefined; }
  const p = wire.safeParse(raw);
  return p.success ? { at: p.data.a, node: p.data.n, expiresAt: p.data.e, reason: p.data.r, removed: p.data.x === 1 } : undefined;
}

/** What orders versions of any shared register (bans, fingerprint decisions): when, and where. */
export interface Stamp { readonly at: number; readonly node: string }

/**
 * The stamp of any stored version (a ban, a fingerprint decision): its `a` and `n`, read the way the
 * store's setIfNewer reads them (Lua on Redis, memory-store.ts in a process), whatever else it holds.
 */
export function stampOf(text: string): Stamp | undefined {
  if (text.length > 8192) return undefined;
  try {
    const o = JSON.parse(text) as { a?: unknown; n?: unknown };
    return o !== null && typeof o === 'object' && typeof o.a === 'number' ? { at: o.a, node: String(o.n) } : undefined;
  } catch {
    return undefined;
  }
}

/** Total order: later change wins; the same millisecond is settled by node name so all nodes agree. */
export function isNewer(a: Stamp, b: Stamp | undefined): boolean {
  if (b === undefined) return true;
  return a.at > b.at || (a.at === b.at && a.node > b.node);
}

/** Remote versions to apply here, local ones to push, and remote entries past their expiry to delete (if unchanged). */
export type BanMergePlan = VersionMergePlan<BanVersion>;

export function planBanMerge(local: ReadonlyMap<string, BanVersion>, remote: ReadonlyMap<string, { version: BanVersion | undefined; raw: string }>, now: number): BanMergePlan {
  return planVersionMerge(local, remote, (v) => v.expiresAt > now);
}

export interface VersionMergePlan<V extends Stamp> {
  applyLocal: Array<[string, V]>;
  push: Array<[string, V]>;
  dropRemote: Array<[string, string]>;
}

/**
 * Last-writer-wins merge of two copies of a keyed register (this node's ledger and Redis' hash):
 * `live` says whether a version still matters (bans expire; fingerprint decisions never do).
 */
export function planVersionMerge<V extends Stamp>(local: ReadonlyMap<string, V>, remote: ReadonlyMap<string, { version: V | undefined; raw: string }>, live: (v: V) => boolean): VersionMergePlan<V> {
  const plan: VersionMergePlan<V> = { applyLocal: [], push: [], dropRemote: [] };
  for (const [key, r] of remote) {
    if (r.version === undefined || !live(r.version)) { plan.dropRemote.push([key, r.raw]); continue; }
    if (isNewer(r.version, local.get(key))) plan.applyLocal.push([key, r.version]);
  }
  for (const [key, l] of local) {
    if (!live(l)) continue;
    const r = remote.get(key)?.version;
    if (r === undefined || !live(r) || isNewer(l, r)) plan.push.push([key, l]);
  }
  return plan;
}
