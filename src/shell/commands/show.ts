/** `show <what>`: the user's own status, limits and connections, each gated by its permission. */
import type { ShellPermissions } from '../../config/schema.js';
import { printable } from '../ansi.js';
import { formatBytes, formatBytesPerSec, formatDuration, formatKbps, formatLimit, formatTimestamp } from '../units.js';
import { EXIT, type CommandContext, type ShellCommand } from './types.js';

interface ShowTopic {
  readonly names: readonly string[];
  readonly permission: keyof ShellPermissions;
  run(ctx: CommandContext): void;
}

function rows(pairs: readonly (readonly [string, string] | undefined)[]): string {
  const present = pairs.filter((p): p is readonly [string, string] => p !== undefined);
  const width = Math.max(...present.map(([k]) => k.length)) + 2;
  return present.map(([k, v]) => `${(k + ':').padEnd(width)}${v}\n`).join('');
}

function pct(used: number, limit: number): string {
  return limit > 0 ? ` (${Math.min(999, Math.floor((used / limit) * 100))}%)` : '';
}

const TOPICS: readonly ShowTopic[] = [
  {
    names: ['status'],
    permission: 'show_status',
    run(ctx) {
      const { session, clock, server } = ctx;
      const u = session.user;
      const perms = u.shellPermissions;
      const now = clock.now();
      const live = ctx.port.activeConnections(u.username).length;
      ctx.out(rows([
        ['User', ctx.color.paint(['bold', 'cyan'], u.username)],
        perms.show_role ? ['Role', u.role === 'admin' ? ctx.color.paint(['bold', 'magenta'], 'admin') : u.role] : undefined,
        perms.show_group ? ['Group', u.group ?? 'none'] : undefined,
        perms.show_auth_method ? ['Auth method', session.authMethod] : undefined,
        perms.show_source_ip ? ['Source IP', session.sourceIp] : undefined,
        ['Connected', `${formatTimestamp(session.connectedAt)} (${formatDuration((now - session.connectedAt) / 1000)} ago)`],
        ['Connections', `${live} active, limit ${u.maxConnections > 0 ? u.maxConnections : 'unlimited'}`],
        ['Bandwidth cap', formatKbps(u.maxBandwidthKbps)],
        perms.show_expires ? ['Expires', u.expiresAt === undefined ? 'never' : formatTimestamp(u.expiresAt)] : undefined,
        ['Server', `${ctx.settings.hostname} (sks5 ${server.version})`],
        perms.show_uptime ? ['Uptime', formatDuration((now - server.startedAt) / 1000)] : undefined,
      ]));
    },
  },
  {
    names: ['connections', 'conn'],
    permission: 'show_connections',
    run(ctx) {
      const live = ctx.port.activeConnections(ctx.session.user.username);
      const max = ctx.session.user.maxConnections;
      // The original's words when idle: scripts written for it match on "No active".
      if (live.length === 0) { ctx.out('No active proxy connections\n'); return; }
      ctx.out(`Active connections: ${live.length}${max > 0 ? ` / ${max}` : ''}\n`);
      const now = ctx.clock.now();
      for (const c of live) {
        ctx.out(`  ${printable(c.target).padEnd(32)} ${c.protocol.padEnd(7)} ${formatDuration((now - c.startedAt) / 1000).padStart(10)}  ` +
          `up ${formatBytes(c.bytesUp)}, down ${formatBytes(c.bytesDown)}\n`);
      }
    },
  },
  {
    names: ['bandwidth', 'bw'],
    permission: 'show_bandwidth',
    run(ctx) {
      const u = ctx.session.user;
      const b = ctx.port.bandwidth(u.username);
      ctx.out(rows([
        ['Current rate', formatBytesPerSec(b.currentBytesPerSec)],
        ['Rate limit', formatKbps(u.maxBandwidthKbps)],
        ['This hour', `${formatBytes(b.hourlyBytes)} / ${formatLimit(u.quotas.bandwidth_per_hour_bytes)}`],
        ['Today', `${formatBytes(b.dailyBytes)} / ${formatLimit(u.quotas.daily_bandwidth_bytes)}`],
        ['This month', `${formatBytes(b.monthlyBytes)} / ${formatLimit(u.quotas.monthly_bandwidth_bytes)}`],
        ['Total', `${formatBytes(b.totalBytes)} / ${formatLimit(u.quotas.total_bandwidth_bytes)}`],
      ]));
    },
  },
  {
    names: ['quota', 'quotas'],
    permission: 'show_quota',
    run(ctx) {
      const u = ctx.session.user;
      const q = ctx.port.quota(u.username);
      const l = u.quotas;
      const count = (n: number): string => (n > 0 ? String(n) : 'unlimited');
      ctx.out(rows([
        ['Hourly bandwidth', `${formatBytes(q.hourlyBytes)} / ${formatLimit(l.bandwidth_per_hour_bytes)}${pct(q.hourlyBytes, l.bandwidth_per_hour_bytes)}`],
        ['Daily bandwidth', `${formatBytes(q.dailyBytes)} / ${formatLimit(l.daily_bandwidth_bytes)}${pct(q.dailyBytes, l.daily_bandwidth_bytes)}`],
        ['Daily connections', `${q.dailyConnections} / ${count(l.daily_connection_limit)}${pct(q.dailyConnections, l.daily_connection_limit)}`],
        ['Monthly bandwidth', `${formatBytes(q.monthlyBytes)} / ${formatLimit(l.monthly_bandwidth_bytes)}${pct(q.monthlyBytes, l.monthly_bandwidth_bytes)}`],
        ['Monthly connections', `${q.monthlyConnections} / ${count(l.monthly_connection_limit)}${pct(q.monthlyConnections, l.monthly_connection_limit)}`],
        ['Total bandwidth', `${formatBytes(q.totalBytes)} / ${formatLimit(l.total_bandwidth_bytes)}${pct(q.totalBytes, l.total_bandwidth_bytes)}`],
      ]));
    },
  },
  {
    names: ['acl'],
    permission: 'show_acl',
    run(ctx) {
      const acl = ctx.session.user.acl;
      const pol = acl.default_policy === 'allow' ? ctx.color.paint('green', 'allow') : ctx.color.paint('red', 'deny');
      let text = `Default policy: ${pol}\n`;
      text += 'Deny rules (checked first):\n' + (acl.deny.length ? acl.deny.map((r) => `  ${ctx.color.paint('red', printable(r))}\n`).join('') : '  (none)\n');
      text += 'Allow rules:\n' + (acl.allow.length ? acl.allow.map((r) => `  ${ctx.color.paint('green', printable(r))}\n`).join('') : '  (none)\n');
      ctx.out(text);
    },
  },
  {
    names: ['history', 'hist'],
    permission: 'show_history',
    run(ctx) {
      const h = ctx.port.connectionHistory(ctx.session.user.username);
      ctx.out(rows([
        ['Connections today', `${h.today} (${formatBytes(h.todayBytes)})`],
        ['Connections this month', `${h.month} (${formatBytes(h.monthBytes)})`],
      ]));
      const recent = ctx.state.history.slice(-10);
      if (recent.length > 0) ctx.out('Recent commands:\n' + recent.map((l) => `  ${printable(l)}\n`).join(''));
    },
  },
  {
    names: ['fingerprint', 'fp'],
    permission: 'show_fingerprint',
    run(ctx) {
      const fp = ctx.session.keyFingerprint;
      ctx.out(fp ? `SSH key fingerprint: ${fp}\n` : `No key fingerprint: authenticated by ${ctx.session.authMethod}\n`);
    },
  },
];

function topicsFor(perms: ShellPermissions): string[] {
  return TOPICS.filter((t) => perms[t.permission]).map((t) => t.names[0]!);
}

export const showCommand: ShellCommand = {
  name: 'show',
  proxy: true,
  help: 'show <what>          status|connections|bandwidth|quota|acl|history|fingerprint',
  run(args, ctx) {
    const perms = ctx.session.user.shellPermissions;
    const what = args[0];
    const topic = TOPICS.find((t) => t.names.includes(what ?? ''));
    if (!topic) {
      if (what !== undefined) ctx.err(`show: unknown subcommand '${printable(what)}'\n`);
      const allowed = topicsFor(perms);
      ctx.err(allowed.length ? `Usage: show <${allowed.join('|')}>\n` : 'show: no topics are permitted for your account\n');
      return EXIT.USAGE;
    }
    if (!perms[topic.permission]) {
      ctx.err(`Permission denied: show ${topic.names[0]}\n`);
      return EXIT.NOT_PERMITTED;
    }
    topic.run(ctx);
    return EXIT.OK;
  },
  complete: (args, word, ctx) => (args.length === 0 ? topicsFor(ctx.permissions).filter((n) => n.startsWith(word)) : []),
};
