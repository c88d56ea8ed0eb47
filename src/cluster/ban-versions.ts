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

/** Total order: later change wins; the same millisecond is settled by node name so all nodes agree. */
export function isNewer(a: BanVersion, b: BanVersion | undefined): boolean {
  if (b === undefined) return true;
  return a.at > b.at || (a.at === b.at && a.node > b.node);
}

export interface BanMergePlan {
  /** Remote versions that win here: apply to the local ban list. */
  applyLocal: Array<[string, BanVersion]>;
  /** Local versions that win: write to Redis and announce. */
  push: Array<[string, BanVersion]>;
  /** Remote entries past their expiry: delete (if unchanged) to keep Redis small. */
  dropRemote: Array<[string, string]>;
}

export function planBanMerge(local: ReadonlyMap<string, BanVersion>, remote: ReadonlyMap<string, { version: BanVersion | undefined; raw: string }>, now: number): BanMergePlan {
  const plan: BanMergePlan = { applyLocal: [], push: [], dropRemote: [] };
  for (const [ip, r] of remote) {
    if (r.version === undefined || r.version.expiresAt <= now) { plan.dropRemote.push([ip, r.raw]); continue; }
    const l = local.get(ip);
    if (isNewer(r.version, l)) plan.applyLocal.push([ip, r.version]);
  }
  for (const [ip, l] of local) {
    if (l.expiresAt <= now) continue;
    const r = remote.get(ip)?.version;
    if (r === undefined || r.expiresAt <= now || isNewer(l, r)) plan.push.push([ip, l]);
  }
  return plan;
}
