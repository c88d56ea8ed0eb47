/**
 * Values as the original sshgate (Go) stores them, kept byte-compatible so both tools can share one
 * database: times as `time.RFC3339Nano` text in UTC, address lists in Go's byte order.
 */

/** Go's `time.RFC3339Nano` in UTC: fraction without trailing zeros, none when whole seconds. */
export function encodeTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  const [head, frac = '000Z'] = iso.split('.');
  const digits = frac.slice(0, -1).replace(/0+$/, '');
  return digits === '' ? `${head}Z` : `${head}.${digits}Z`;
}

/** The SQL name of `timeMs`, registered on every handle the store opens. */
export const TIME_MS_SQL = 'sshgate_time_ms';

/**
 * The order key of a stored time: epoch ms with the sub-millisecond digits Go writes kept as a
 * fraction (to the microsecond: a double holds no more at this magnitude); null for unparsable
 * text, which SQLite sorts before every number (evicted first).
 */
export function timeMs(text: string): number | null {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const frac = SUB_MS.exec(text);
  return frac ? ms + Number(frac[1]!.slice(0, 3).padEnd(3, '0')) / 1000 : ms;
}

/** The digits after the third of a seconds fraction (`05.123456789Z` -> `456789`). */
const SUB_MS = /:\d\d\.\d{3}(\d+)(?:Z|[+-]\d\d:\d\d)$/;

/** Epoch ms, or null for the Go zero time (year 1) and unparsable text. */
export function decodeTime(text: string): number | null {
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || new Date(ms).getUTCFullYear() <= 1) return null;
  return ms;
}

/** encodeTime for the current millisecond, formatted once however many sightings share it. */
let lastEncoded = { ms: Number.NaN, text: '' };
export function encodeTimeCached(ms: number): string {
  if (lastEncoded.ms !== ms) lastEncoded = { ms, text: encodeTime(ms) };
  return lastEncoded.text;
}

/** Byte-order sort (Go sort.Strings), not locale order. */
export function sortBytes(values: string[]): string[] {
  return values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
