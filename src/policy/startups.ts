/**
 * The pre-authentication budget, after OpenSSH's MaxStartups and PerSourceMaxStartups. A connection
 * that has not authenticated yet costs its sender a TCP handshake and a few bytes, and can hold a
 * socket for the whole handshake timeout: left in the same pool as authenticated users, about a
 * thousand stalled greetings filled `limits.max_connections` and locked everyone out. So
 * unauthenticated connections get their own, smaller budget, counted per source block and in total,
 * and leave it when they authenticate (admission.ts moves them to max_connections).
 *
 * `decideStartup` is the whole policy and is pure: the random draw comes in as a number, so tests
 * pin every branch of the early-drop curve without a seeded generator.
 */
import { parseCanonicalIp, formatIp, rangeOf } from './ip-address.js';

/** `limits.max_startups` ("start:rate:full") and `limits.per_source_max_startups`, parsed. */
export interface StartupsPolicy {
  /** Unauthenticated connections in progress below which nothing is dropped (0 = no total budget). */
  readonly start: number;
  /** Drop probability, in percent, once `start` is reached; it grows linearly to 100 at `full`. */
  readonly rate: number;
  /** Unauthenticated connections in progress at which every new one is dropped. */
  readonly full: number;
  /** Unauthenticated connections in progress from one source block (0 = no per-source budget). */
  readonly perSource: number;
}

export type StartupDropReason = 'per_source' | 'early_drop' | 'full';
export type StartupVerdict = { readonly admit: true } | { readonly admit: false; readonly reason: StartupDropReason };

const ADMIT: StartupVerdict = { admit: true };

/**
 * "start:rate:full" as OpenSSH writes it, or a single "N" (= N:100:N, a hard cap); "0" turns the
 * total budget off. Returns the reason as a string when the text is not one of those.
 */
export function parseMaxStartups(text: string): Pick<StartupsPolicy, 'start' | 'rate' | 'full'> | string {
  const m = /^(\d{1,7})(?::(\d{1,3}):(\d{1,7}))?$/.exec(text.trim());
  if (!m) return `"${text}" is not "start:rate:full" (e.g. "200:30:500") or a single number`;
  const start = Number(m[1]);
  if (m[2] === undefined || m[3] === undefined) return { start, rate: 100, full: start };
  const rate = Number(m[2]);
  const full = Number(m[3]);
  if (start === 0) return 'start must be at least 1 (write "0" alone to turn the budget off)';
  if (rate < 1 || rate > 100) return `rate ${rate} must be a percentage from 1 to 100`;
  if (full < start) return `full ${full} must not be smaller than start ${start}`;
  return { start, rate, full };
}

/**
 * Percent chance (0-100) that a new unauthenticated connection is dropped when `inProgress` are
 * already in progress: OpenSSH's curve, 0 below start, `rate` at start, rising linearly to 100 at full.
 */
export function dropPercent(policy: StartupsPolicy, inProgress: number): number {
  if (policy.start === 0 || inProgress < policy.start) return 0;
  if (inProgress >= policy.full) return 100;
  return policy.rate + ((100 - policy.rate) * (inProgress - policy.start)) / (policy.full - policy.start);
}

/**
 * Admit or drop one new connection. `inProgress` and `fromSource` count the unauthenticated
 * connections already held (in total, and from this connection's source block); `random` is a
 * uniform draw in [0, 1). The per-source budget is checked first: it is what keeps a handful of
 * flooding addresses from pushing the total into early drop for everyone else.
 */
export function decideStartup(policy: StartupsPolicy, inProgress: number, fromSource: number, random: number): StartupVerdict {
  if (policy.perSource > 0 && fromSource >= policy.perSource) return { admit: false, reason: 'per_source' };
  if (policy.start === 0 || inProgress < policy.start) return ADMIT;
  if (inProgress >= policy.full) return { admit: false, reason: 'full' };
  return random * 100 < dropPercent(policy, inProgress) ? { admit: false, reason: 'early_drop' } : ADMIT;
}

/**
 * The block a source is counted in: the address itself for IPv4, its /64 for IPv6 (one subscriber
 * is routinely given a whole /64, so counting single IPv6 addresses would be no budget at all).
 */
export function sourceBlock(ip: string): string {
  const parsed = parseCanonicalIp(ip);
  if (parsed === undefined || parsed.family === 4) return ip;
  const net = rangeOf(parsed, 64);
  return `${formatIp({ family: 6, value: net.first })}/64`;
}
