/**
 * What nodes tell each other on the state channel: one envelope per flush, carrying the batch of
 * changes made on the sending node since the last one. Decoding is bounded and total: a message
 * that is too large or malformed is dropped whole (and counted by the caller), never half-applied.
 */
import { z } from 'zod';
import { EVENT_NAMES } from '../observe/events.js';

export const MAX_MESSAGE_BYTES = 1 << 20;
export const MAX_CHANGES_PER_MESSAGE = 2000;

const ip = z.string().min(1).max(64);
const ms = z.number().int().nonnegative();
const count = z.number().int().nonnegative();
const user = z.string().min(1).max(256);
const perUser = z.record(user, count).refine((r) => Object.keys(r).length <= 10_000, { message: 'more than 10000 users' });
/** Tunnels a node lists to the others; more are counted (/api/cluster) but not listed. */
export const MAX_SHARED_SESSIONS = 1000;
const sessionSummary = z.strictObject({
  i: z.string().min(1).max(64), u: user, h: z.string().max(255), p: z.number().int().min(0).max(65_535),
  ip, st: ms, bu: count, bd: count, pr: z.enum(['ssh', 'socks5', 'socks5-tls', 'http', 'http-tls']),
});
export type SessionSummary = z.output<typeof sessionSummary>;
/** An event's data as it crosses: flat fields of scalars (every EventMap entry is), bounded. */
export const MAX_EVENT_FIELDS = 32;
export const MAX_EVENT_TEXT = 4096;
const eventData = z.record(z.string().min(1).max(64), z.union([z.string().max(MAX_EVENT_TEXT), z.number().finite(), z.boolean()]))
  .refine((r) => Object.keys(r).length <= MAX_EVENT_FIELDS, { message: `more than ${MAX_EVENT_FIELDS} fields` });
const fingerprint = z.string().regex(/^[0-9a-f]{32}$/);
const fpStatus = z.enum(['pending', 'approved', 'blocked']);
const listText = z.string().max(16_384);
/** What a gate recorded of a client's KEXINIT (short keys: one per new fingerprint announced). */
const fpMaterial = z.strictObject({
  h: z.string().max(64), c: z.string().max(8192), r: z.string().max(65_536), k: listText, hk: listText,
  cc: listText, cs: listText, mc: listText, ms: listText, zc: listText, zs: listText, g: z.boolean(),
});
export type FingerprintMaterialWire = z.output<typeof fpMaterial>;
const change = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('ban'), ip, a: ms, e: ms, r: z.string().max(512) }),
  z.strictObject({ t: z.literal('unban'), ip, a: ms, e: ms }),
  z.strictObject({ t: z.literal('fail'), ip, at: z.array(ms).min(1).max(1000) }),
  z.strictObject({ t: z.literal('rep'), ip, p: z.number().finite(), at: ms, f: z.number().int().nonnegative() }),
  z.strictObject({ t: z.literal('rep-set'), ip, s: z.number().finite().nonnegative(), u: ms, f: z.number().int().nonnegative() }),
  z.strictObject({ t: z.literal('rep-reset'), ip }),
  // A user's cluster-wide counters after a node added its batch (d/m: UTC day and month indexes).
  z.strictObject({
    t: z.literal('quota'), u: user, d: ms, m: ms, db: count, dc: count, mb: count, mc: count, tb: count,
    h: z.array(z.tuple([ms, count])).max(120),
  }),
  z.strictObject({ t: z.literal('quota-reset'), u: user, s: z.enum(['all', 'daily', 'monthly', 'hourly', 'total']) }),
  // Heartbeat: version, start time, this instant, sessions, open tunnels per user.
  z.strictObject({ t: z.literal('hb'), ver: z.string().max(128), st: ms, at: ms, ss: count, c: perUser }),
  z.strictObject({ t: z.literal('conns'), c: perUser }),
  z.strictObject({ t: z.literal('urate'), u: user, at: z.array(ms).min(1).max(1000) }),
  // Connection openings of one client IP under security.max_new_connections_per_ip_per_minute.
  z.strictObject({ t: z.literal('iprate'), ip, at: z.array(ms).min(1).max(1000) }),
  // The sending node's session registry (see session-summary.ts): its tunnels, at most
  // MAX_SHARED_SESSIONS, and its authenticated client connections per user. Replaces the last one.
  z.strictObject({ t: z.literal('sess'), s: z.array(sessionSummary).max(MAX_SHARED_SESSIONS), cu: perUser }),
  // One event of the sending node's bus, for the live stream of the others (shared-events.ts).
  z.strictObject({ t: z.literal('ev'), ty: z.enum(EVENT_NAMES), at: ms, d: eventData }),
  // The sending node has live-feed clients (on: repeated every heartbeat) or no longer has any.
  z.strictObject({ t: z.literal('watch'), on: z.boolean() }),
  // A fingerprint decision (status, label, or deletion as x: 1), versioned like a ban: when (a) and
  // where (n, the node that made it; not always the sender), plus the fingerprint's first sighting.
  z.strictObject({ t: z.literal('fp'), f: fingerprint, a: ms, n: z.string().min(1).max(128), s: fpStatus, l: z.string().max(4096), x: z.literal(1).optional(), fs: ms.optional() }),
  // A fingerprint recorded for the first time on the sender (status as recorded there), for the others' lists.
  z.strictObject({ t: z.literal('fp-seen'), f: fingerprint, s: fpStatus, fs: ms, m: fpMaterial.optional() }),
  // An operator's action through one node's API, applied by every node to its own sessions.
  z.strictObject({
    t: z.literal('op'), k: z.enum(['kick', 'broadcast', 'maintenance']),
    u: user.optional(), us: z.array(user).max(10_000).optional(), m: z.string().max(4096).optional(),
    on: z.boolean().optional(), src: z.string().max(64).optional(),
  }),
]);
const envelope = z.strictObject({ v: z.literal(1), n: z.string().min(1).max(128), c: z.array(change).max(MAX_CHANGES_PER_MESSAGE) });

export type StateChange = z.output<typeof change>;
export interface StateEnvelope { node: string; changes: StateChange[] }

export function encodeEnvelope(node: string, changes: readonly StateChange[]): string {
  return JSON.stringify({ v: 1, n: node, c: changes });
}

export type Decoded = { ok: true; envelope: StateEnvelope } | { ok: false; error: string };

export function decodeEnvelope(text: string): Decoded {
  if (text.length > MAX_MESSAGE_BYTES) return { ok: false, error: `message of ${text.length} bytes exceeds ${MAX_MESSAGE_BYTES}` };
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return { ok: false, error: 'not JSON' }; }
  const p = envelope.safeParse(raw);
  if (!p.success) {
    const issue = p.error.issues[0];
    return { ok: false, error: `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, envelope: { node: p.data.n, changes: p.data.c } };
}

/** Split a batch so no envelope exceeds the per-message change cap. */
export function chunkChanges(changes: readonly StateChange[], size = MAX_CHANGES_PER_MESSAGE): StateChange[][] {
  const out: StateChange[][] = [];
  for (let i = 0; i < changes.length; i += size) out.push(changes.slice(i, i + size));
  return out;
}
