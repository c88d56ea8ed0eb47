/**
 * `correlate [--log F] [--gate-log F] [--window D] [--join-window D] [--limit N] FP`.
 */
import { existsSync } from 'node:fs';
import { correlateLines, readGateConnects, type GateConnect } from '../correlate.js';
import { formatGoDuration, formatUtc, formatWithOffset, sanitizeDisplay, tabwrite, valueOrDash } from '../go-format.js';
import { readLogLines } from '../log-lines.js';
import { CliExit, DEFAULT_DB, fatal, parseFlags, type CliIo } from './cli-io.js';
import { openStore } from './manage.js';

export const DEFAULT_AUTH_LOG = '/var/log/auth.log';
/** sshgate logs to the journal; rsyslog copies it here on Debian. */
export const DEFAULT_GATE_LOG = '/var/log/syslog';

export function cmdCorrelate(io: CliIo, argv: readonly string[]): void {
  const f = parseFlags(io, { name: 'correlate', flags: [
    { name: 'db', kind: 'string', default: DEFAULT_DB, usage: 'database path' },
    { name: 'log', kind: 'string', default: DEFAULT_AUTH_LOG, usage: 'sshd log path' },
    { name: 'gate-log', kind: 'string', default: DEFAULT_GATE_LOG, usage: 'log with sshgate CONNECTED lines, used to attribute sessions sshd logs as loopback' },
    { name: 'window', kind: 'duration', default: 2 * 60_000, usage: 'time window around first/last seen for direct connections' },
    { name: 'join-window', kind: 'duration', default: 10_000, usage: 'maximum time between an sshgate CONNECTED line and the sshd line joined to it' },
    { name: 'limit', kind: 'int', default: 100, usage: 'maximum matches to print' },
  ] }, argv);
  if (f.args.length !== 1) fatal(io, 'usage: correlate [--log <path>] [--gate-log <path>] [--window <duration>] <fingerprint>');
  const store = openStore(io, f.str('db'), { create: false });
  let fp: string;
  let entry;
  try {
    fp = store.resolve(f.args[0] as string);
    entry = store.get(fp);
  } catch (err) {
    return fatal(io, (err as Error).message);
  } finally {
    store.close();
  }
  if (entry === null) return fatal(io, `load fingerprint: fingerprint not found: ${fp}`);
  if (entry.ips.length === 0) fatal(io, `fingerprint ${fp} has no IPs to correlate`);

  const gateLog = f.str('gate-log');
  const ref = entry.lastSeen ?? 0;
  let gates: GateConnect[] = [];
  if (existsSync(gateLog)) {
    try {
      gates = readGateConnects(readLogLines(gateLog), fp, ref);
    } catch (err) {
      fatal(io, `read sshgate log: ${(err as Error).message}`);
    }
  } else {
    io.stderr(`warning: open ${gateLog}: no such file or directory; sessions sshd logs as loopback cannot be attributed\n`);
  }
  let matches;
  try {
    matches = correlateLines(readLogLines(f.str('log')), entry, {
      windowMs: f.num('window'), limit: f.num('limit'), gates, joinWindowMs: f.num('join-window'),
    });
  } catch (err) {
    if (err instanceof CliExit) throw err;
    return fatal(io, `correlate sshd log: ${(err as Error).message}`);
  }
  let out = `fingerprint: ${fp}\n`;
  if (entry.label !== '') out += `label: ${entry.label}\n`;
  out += `window: +/- ${formatGoDuration(f.num('window'))} around first_seen=${formatUtc(entry.firstSeen)} and last_seen=${formatUtc(entry.lastSeen)} (direct connections)\n`;
  out += `gated sessions: ${gates.length} CONNECTED line(s) in ${gateLog}\n`;
  if (matches.length === 0) {
    io.stdout(out + 'no matching sshd log lines found\n');
    return;
  }
  const rows = [['TIME', 'IP', 'SOURCE', 'USER', 'LINE']];
  for (const m of matches) {
    rows.push([formatWithOffset(m.when.ms, m.when.offsetMinutes), m.ip, m.source, valueOrDash(sanitizeDisplay(m.user)), sanitizeDisplay(m.line)]);
  }
  io.stdout(out + tabwrite(rows));
}
