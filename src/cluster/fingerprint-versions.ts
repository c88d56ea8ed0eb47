/**
 * Fingerprint decisions across nodes as last-writer-wins registers, like bans (ban-versions.ts):
 * every approve, block, pending, label and delete is a version stamped with when and where it was
 * made; a delete is a tombstone. Pure: the sync (fingerprint-sync.ts) applies what these decide.
 *
 * Local decisions are read back from the store's `fingerprint_events` (the CLI writes there from
 * another process), so their stamps are rebuilt from that table at start, and a decision made here
 * after this node saw another one is stamped after it (`localStamp`) even if this clock is behind.
 */
import { z } from 'zod';
import type { FingerprintMaterial } from '../gate/fingerprint.js';
import type { FingerprintStatus } from '../store/fingerprint-schema.js';
import type { Stamp } from './ban-versions.js';
import type { FingerprintMaterialWire, StateChange } from './messages.js';

export interface FingerprintVersion extends Stamp {
  readonly status: FingerprintStatus;
  readonly label: string;
  readonly removed: boolean;
  /** The fingerprint's first sighting where the decision was made (ms), so a node that never saw it dates its row. */
  readonly firstSeen?: number | undefined;
}

/** The `who` of events written for other nodes' decisions: `redis:<node>`. */
export const REPLICA_WHO = 'redis:';
/** Labels longer than this are shared cut to it (the original has no limit; a message has). */
export const MAX_SHARED_LABEL = 4096;

const STATUSES: readonly string[] = ['pending', 'approved', 'blocked'];

export function isSharedStatus(s: string): s is FingerprintStatus {
  return STATUSES.includes(s);
}

/** Stored in the Redis hash with the same short keys as on the channel (`a` and `n` are what SET_IF_NEWER compares). */
const wire = z.strictObject({
  a: z.number().int().nonnegative(),
  n: z.string().min(1).max(128),
  s: z.enum(['pending', 'approved', 'blocked']),
  l: z.string().max(MAX_SHARED_LABEL),
  x: z.literal(1).optional(),
  fs: z.number().int().nonnegative().optional(),
});

export function encodeFingerprintVersion(v: FingerprintVersion): string {
  return JSON.stringify({ a: v.at, n: v.node, s: v.status, l: v.label, ...(v.removed ? { x: 1 } : {}), ...(v.firstSeen === undefined ? {} : { fs: v.firstSeen }) });
}

export function decodeFingerprintVersion(text: string): FingerprintVersion | undefined {
  if (text.length > 8192) return undefined;
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return undefined; }
  const p = wire.safeParse(raw);
  if (!p.success) return undefined;
  return { at: p.data.a, node: p.data.n, status: p.data.s, label: p.data.l, removed: p.data.x === 1, ...(p.data.fs === undefined ? {} : { firstSeen: p.data.fs }) };
}

export function fingerprintChange(fp: string, v: FingerprintVersion): StateChange {
  return { t: 'fp', f: fp, a: v.at, n: v.node, s: v.status, l: v.label, ...(v.removed ? { x: 1 as const } : {}), ...(v.firstSeen === undefined ? {} : { fs: v.firstSeen }) };
}

export function versionOfChange(c: Extract<StateChange, { t: 'fp' }>): FingerprintVersion {
  return { at: c.a, node: c.n, status: c.s, label: c.l, removed: c.x === 1, ...(c.fs === undefined ? {} : { firstSeen: c.fs }) };
}

/** When a local decision made at `at` is stamped: after everything this node had seen of the fingerprint. */
export function localStamp(prev: Stamp | undefined, at: number): number {
  return prev === undefined || at > prev.at ? at : prev.at + 1;
}

/** The store's view of one fingerprint (null: no row). */
export interface StoredDecision { readonly status: string; readonly label: string; readonly firstSeen: number | null }

/** Whether applying `v` would change the stored row (a deletion spares a row first seen after it). */
export function changesRow(v: FingerprintVersion, row: StoredDecision | null): boolean {
  if (v.removed) return row !== null && (row.firstSeen ?? 0) <= v.at;
  return row === null || row.status !== v.status || row.label !== v.label;
}

export interface DecisionEvent { readonly fingerprint: string; readonly at: string; readonly who: string }

/**
 * The version an event stands for, or undefined when it says nothing new: an event written for
 * another node's decision carries that decision's stamp (`redis:<node>`, its time); a local one is
 * stamped with `node` after `prev`. Content is the row as it is now (intermediate states do not matter).
 */
export function versionOfEvent(e: DecisionEvent, prev: FingerprintVersion | undefined, node: string, row: StoredDecision | null): FingerprintVersion | undefined {
  const at = Date.parse(e.at);
  if (Number.isNaN(at)) return undefined;
  const remote = e.who.startsWith(REPLICA_WHO) ? e.who.slice(REPLICA_WHO.length) : undefined;
  if (remote !== undefined && prev !== undefined && prev.at === at && prev.node === remote) return undefined;
  const stamp = remote !== undefined && remote !== '' ? { at, node: remote } : { at: localStamp(prev, at), node };
  if (row === null) return { ...stamp, status: prev?.status ?? 'blocked', label: '', removed: true };
  if (!isSharedStatus(row.status)) return undefined;
  return { ...stamp, status: row.status, label: row.label.slice(0, MAX_SHARED_LABEL), removed: false, ...(row.firstSeen === null ? {} : { firstSeen: row.firstSeen }) };
}

/** Material of a first sighting, omitted when it would not fit comfortably in a message (a hostile KEXINIT). */
export const MAX_SHARED_MATERIAL = 24 * 1024;

export function materialToWire(m: FingerprintMaterial): FingerprintMaterialWire | undefined {
  const w: FingerprintMaterialWire = {
    h: m.hassh, c: m.clientId, r: m.raw, k: m.kex, hk: m.hostKey, cc: m.cipherC2S, cs: m.cipherS2C,
    mc: m.macC2S, ms: m.macS2C, zc: m.compressC2S, zs: m.compressS2C, g: m.firstKexGuess,
  };
  const size = Object.values(w).reduce((n: number, x) => n + (typeof x === 'string' ? x.length : 1), 0);
  if (size > MAX_SHARED_MATERIAL || w.h.length > 64 || w.c.length > 8192 || w.r.length > 16_384) return undefined;
  return w;
}

export function materialOfWire(fp: string, w: FingerprintMaterialWire): FingerprintMaterial {
  return {
    fingerprint: fp, hassh: w.h, clientId: w.c, raw: w.r, kex: w.k, hostKey: w.hk, cipherC2S: w.cc, cipherS2C: w.cs,
    macC2S: w.mc, macS2C: w.ms, compressC2S: w.zc, compressS2C: w.zs, firstKexGuess: w.g,
  };
}
