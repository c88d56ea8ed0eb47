/**
 * `sshgate correlate`: find the sshd log lines that belong to one fingerprint. Pure: lines in,
 * matches out. Behind the gate sshd logs every client as loopback, so those lines are joined to the
 * gate's own `CONNECTED <fp> backend=… local=<addr>` line by host and local port (gatekit-era
 * behaviour); lines with a real client address are matched by IP, on token boundaries (the
 * original's plain substring match let 1.2.3.4 match 1.2.3.45).
 */
import { isIP } from 'node:net';
import { unmapIpv4Text } from '../policy/ip-address.js';

export interface LogTime {
  readonly ms: number;
  /** Offset of the line's own zone, for printing the time as written. */
  readonly offsetMinutes: number;
}

export interface GateConnect {
  readonly when: LogTime;
  readonly host: string;
  readonly ip: string;
  readonly port: number;
}

export interface LogMatch {
  readonly when: LogTime;
  readonly ip: string;
  readonly source: string;
  readonly user: string;
  readonly line: string;
}

export interface CorrelateEntry {
  readonly ips: readonly string[];
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
}

export interface CorrelateOptions {
  readonly windowMs: number;
  /** <= 0 means unlimited. */
  readonly limit: number;
  readonly gates: readonly GateConnect[];
  readonly joinWindowMs: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const GATE_CONNECT = /\[([^\]]+)\] CONNECTED (\S+) backend=\S+ local=(\S+)/;
const SSHD_SOURCE = /from (\S+) port (\d+)/;

/**
 * A line's timestamp: RFC 3339 first field (rsyslog high precision, journald short-iso), the Go
 * log prefix `2006/01/02 15:04:05` (our own stderr log), or classic syslog `Jan _2 15:04:05` in
 * local time, with the year taken from `refMs` and moved by one when that lands > 6 months away.
 */
export function parseLogTime(line: string, refMs: number): LogTime | null {
  const first = line.trimStart().split(/\s+/, 1)[0] ?? '';
  const iso = parseRfc3339(first);
  if (iso) return iso;
  const go = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\s|$)/.exec(line);
  if (go) {
    const [y, mo, d, h, mi, s] = go.slice(1).map(Number) as [number, number, number, number, number, number];
    return local(new Date(y, mo - 1, d, h, mi, s));
  }
  const classic = /^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2})/.exec(line);
  if (!classic) return null;
  const month = MONTHS.indexOf(classic[1] as string);
  if (month < 0) return null;
  const [day, h, mi, s] = classic.slice(2).map((v) => Number(v.trim())) as [number, number, number, number];
  const ref = new Date(refMs);
  let when = new Date(ref.getFullYear(), month, day, h, mi, s);
  const plus6 = new Date(refMs); plus6.setMonth(plus6.getMonth() + 6);
  const minus6 = new Date(refMs); minus6.setMonth(minus6.getMonth() - 6);
  if (when > plus6) when = new Date(ref.getFullYear() - 1, month, day, h, mi, s);
  else if (when < minus6) when = new Date(ref.getFullYear() + 1, month, day, h, mi, s);
  return local(when);
}

function local(d: Date): LogTime {
  return { ms: d.getTime(), offsetMinutes: -d.getTimezoneOffset() };
}

function parseRfc3339(s: string): LogTime | null {
  const m = RFC3339.exec(s);
  if (!m) return null;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return null;
  const zone = m[8] as string;
  const offset = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return { ms, offsetMinutes: offset };
}

/** The host field of an RFC 3339 or classic syslog line ('' when the format has none). */
export function logHost(line: string): string {
  const fields = line.trim().split(/\s+/);
  if (fields.length > 1 && parseRfc3339(fields[0] ?? '')) return fields[1] ?? '';
  if (/^\d{4}\/\d{2}\/\d{2} /.test(line)) return '';
  return fields.length > 3 ? (fields[3] ?? '') : '';
}

export function isUsefulSshdLine(line: string): boolean {
  const lower = line.toLowerCase();
  return lower.includes('sshd') && (lower.includes('accepted ') || lower.includes('failed ') ||
    lower.includes('invalid user') || lower.includes('userauth'));
}

/** The first of `ips` (byte-sorted) that occurs in `line` as a whole address token. */
export function findIpToken(line: string, ips: readonly string[]): string | null {
  for (const ip of [...ips].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (ip === '') continue;
    const v6 = ip.includes(':');
    for (let at = line.indexOf(ip); at >= 0; at = line.indexOf(ip, at + 1)) {
      const before = at > 0 ? line[at - 1] ?? '' : '';
      const after = line[at + ip.length] ?? '';
      const badBefore = /[0-9A-Za-z.]/.test(before) || (v6 && before === ':');
      const badAfter = /[0-9A-Za-z.]/.test(after) || (v6 && after === ':');
      if (!badBefore && !badAfter) return ip;
    }
  }
  return null;
}

export function extractSshUser(line: string): string {
  const f = line.trim().split(/\s+/);
  const trim = (s: string | undefined): string => (s ?? '').replace(/^[ ,]+|[ ,]+$/g, '');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === 'for') {
      if (i + 1 < f.length && f[i + 1] !== 'invalid') return trim(f[i + 1]);
      if (i + 3 < f.length && f[i + 1] === 'invalid' && f[i + 2] === 'user') return trim(f[i + 3]);
      if (i + 2 < f.length && f[i + 1] === 'invalid') return trim(f[i + 2]);
    } else if (f[i] === 'user' && i + 1 < f.length) {
      return trim(f[i + 1]);
    }
  }
  return '';
}

export function isLoopback(addr: string): boolean {
  const ip = unmapIpv4Text(addr);
  if (isIP(ip) === 4) return ip.startsWith('127.');
  return ip === '::1' || /^0{1,4}(:0{1,4}){6}:0{0,3}1$/.test(ip);
}

/** The gate's CONNECTED lines for `fingerprint`. */
export function readGateConnects(lines: Iterable<string>, fingerprint: string, refMs: number): GateConnect[] {
  const out: GateConnect[] = [];
  const needle = ` CONNECTED ${fingerprint} `;
  for (const line of lines) {
    if (!line.includes(needle)) continue;
    const m = GATE_CONNECT.exec(line);
    if (!m || m[2] !== fingerprint) continue;
    const port = /:(\d{1,5})$/.exec(m[3] as string);
    const when = parseLogTime(line, refMs);
    if (!port || !when) continue;
    out.push({ when, host: logHost(line), ip: m[1] as string, port: Number(port[1]) });
  }
  return out;
}

/** The CONNECTED line nearest in time with the same port (and host, when both know it). */
export function matchGateConnect(gates: readonly GateConnect[], host: string, port: number, whenMs: number, joinWindowMs: number): GateConnect | null {
  let best: GateConnect | null = null;
  let gap = Infinity;
  for (const g of gates) {
    if (g.port !== port || (host !== '' && g.host !== '' && g.host !== host)) continue;
    const d = Math.abs(whenMs - g.when.ms);
    if (d > joinWindowMs || d >= gap) continue;
    best = g;
    gap = d;
  }
  return best;
}

function within(t: number, center: number | null, windowMs: number): boolean {
  return center !== null && t >= center - windowMs && t <= center + windowMs;
}

export function correlateLines(lines: Iterable<string>, entry: CorrelateEntry, opts: CorrelateOptions): LogMatch[] {
  const matches: LogMatch[] = [];
  const ref = entry.lastSeen ?? 0;
  for (const line of lines) {
    if (!isUsefulSshdLine(line)) continue;
    const when = parseLogTime(line, ref);
    if (!when) continue;
    const src = SSHD_SOURCE.exec(line);
    let ip: string | null;
    let source: string;
    if (src && isLoopback(src[1] as string)) {
      const port = Number(src[2]);
      const g = matchGateConnect(opts.gates, logHost(line), port, when.ms, opts.joinWindowMs);
      if (!g) continue;
      ip = g.ip;
      source = `gate:${port}`;
    } else {
      ip = findIpToken(line, entry.ips);
      if (ip === null || !(within(when.ms, entry.firstSeen, opts.windowMs) || within(when.ms, entry.lastSeen, opts.windowMs))) continue;
      source = 'direct';
    }
    matches.push({ when, ip, source, user: extractSshUser(line), line });
    if (opts.limit > 0 && matches.length >= opts.limit) break;
  }
  return matches;
}
