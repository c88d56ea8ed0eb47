/** Human units for bytes, rates and durations, as the shell and the MOTD print them. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 1536 -> "1.5 KiB"; whole bytes below 1 KiB ("512 B"). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '0 B';
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${BYTE_UNITS[i]}`;
}

/** A byte limit where 0 means no limit. */
export function formatLimit(bytes: number): string {
  return bytes > 0 ? formatBytes(bytes) : 'unlimited';
}

/**
 * A throughput cap given in kilobits per second (the config's `max_bandwidth_kbps`), shown as a
 * rate: 10240 -> "10 Mbit/s". The original printed kbps*1024/8 as a byte count; this is the fix.
 */
export function formatKbps(kbps: number): string {
  if (!(kbps > 0)) return 'unlimited';
  if (kbps >= 1024 * 1024) return `${trim(kbps / (1024 * 1024))} Gbit/s`;
  if (kbps >= 1024) return `${trim(kbps / 1024)} Mbit/s`;
  return `${trim(kbps)} kbit/s`;
}

export function formatBytesPerSec(bps: number): string {
  return `${formatBytes(bps)}/s`;
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** 90061 s -> "1d 1h 1m"; under a minute -> "42s". */
export function formatDuration(totalSecs: number): string {
  const s = Math.max(0, Math.floor(totalSecs));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** ISO 8601 in UTC without milliseconds: "2026-06-30T23:59:59Z". */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
