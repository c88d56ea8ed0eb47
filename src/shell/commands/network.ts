/**
 * test, ping, resolve: reachability through the same policy as forwarding. `test` makes a real
 * TCP connect through the port (ACL, SSRF guard, connect); `ping` is a policy check repeated
 * like ping's probes (no ICMP leaves the server); `resolve` is a real DNS lookup.
 */
import { errorText, printable } from '../ansi.js';
import type { AccessCheck } from '../port.js';
import { joinHostPort } from '../../host-port.js';
import { isValidHost, parseTarget, type ParsedTarget } from './target.js';
import { EXIT, type CommandContext, type ShellCommand } from './types.js';

const MAX_PING_COUNT = 20;

function targetFrom(arg: string, ctx: CommandContext, defaultPort?: number): ParsedTarget | string {
  const bookmark = ctx.state.bookmarks.get(arg);
  return parseTarget(bookmark ?? arg, defaultPort);
}

function verdict(ctx: CommandContext, check: AccessCheck): string {
  const word = check.allowed ? ctx.color.paint(['bold', 'green'], 'ALLOWED') : ctx.color.paint(['bold', 'red'], 'DENIED');
  return `${word}${check.rule ? ` by rule ${printable(check.rule)}` : ''} (${printable(check.reason)})`;
}

const targetCompleter = (args: readonly string[], word: string, ctx: { state: { bookmarks: Map<string, string> } }): string[] =>
  args.length === 0 ? [...ctx.state.bookmarks.keys()].filter((n) => n.startsWith(word)) : [];

export const testCommand: ShellCommand = {
  name: 'test',
  proxy: true,
  permission: 'test_command',
  help: 'test <host:port>     Check policy, then really connect (TCP) and time it',
  async run(args, ctx) {
    if (args.length !== 1) { ctx.err('usage: test <host:port> | test <bookmark>\n'); return EXIT.USAGE; }
    const t = targetFrom(args[0]!, ctx);
    if (typeof t === 'string') { ctx.err(`test: ${t}\n`); return EXIT.USAGE; }
    ctx.out(`Testing ${joinHostPort(t.host, t.port)} ...\n`);
    let r;
    try {
      r = await ctx.port.testConnect(ctx.session, t.host, t.port, ctx.signal);
    } catch (err) {
      ctx.err(`test: ${errorText(err)}\n`);
      return EXIT.ERROR;
    }
    ctx.out(`  policy:  ${verdict(ctx, r)}\n`);
    if (r.addresses?.length) ctx.out(`  address: ${r.addresses.map(printable).join(', ')}\n`);
    if (!r.allowed) return EXIT.ERROR;
    const ms = r.ms === undefined ? '' : ` in ${Math.round(r.ms)} ms`;
    if (r.connected) {
      ctx.out(`  connect: ${ctx.color.paint('green', 'OK')}${ms}\n`);
      return EXIT.OK;
    }
    ctx.out(`  connect: ${ctx.color.paint('red', 'FAILED')}${r.error ? ` (${printable(r.error)})` : ''}${ms ? ` after${ms.slice(3)}` : ''}\n`);
    return EXIT.ERROR;
  },
  complete: targetCompleter,
};

export const pingCommand: ShellCommand = {
  name: 'ping',
  proxy: true,
  permission: 'ping_command',
  help: 'ping <host[:port]>    Resolve and check policy, like ping (no ICMP; -c n probes)',
  async run(args, ctx) {
    let count = ctx.interactive ? 4 : 1;
    const rest = [...args];
    if (rest[0] === '-c') {
      const n = Number(rest[1]);
      if (!Number.isInteger(n) || n < 1 || n > MAX_PING_COUNT) { ctx.err(`ping: -c expects 1-${MAX_PING_COUNT}\n`); return EXIT.USAGE; }
      count = n;
      rest.splice(0, 2);
    }
    if (rest.length !== 1) { ctx.err('usage: ping [-c n] <host[:port]>\n'); return EXIT.USAGE; }
    const t = targetFrom(rest[0]!, ctx, 80);
    if (typeof t === 'string') { ctx.err(`ping: ${t}\n`); return EXIT.USAGE; }
    let allowed = 0;
    let sent = 0;
    for (let seq = 1; seq <= count; seq++) {
      if (seq > 1 && !(await ctx.sleep(1000))) break;
      const started = ctx.clock.monotonic();
      let r: AccessCheck;
      try {
        r = await ctx.port.checkAccess(ctx.session, t.host, t.port, ctx.signal);
      } catch (err) {
        ctx.err(`ping: ${printable(t.host)}: ${errorText(err)}\n`);
        return EXIT.ERROR;
      }
      if (ctx.signal.aborted) break;
      const ms = (ctx.clock.monotonic() - started).toFixed(1);
      if (seq === 1) ctx.out(`PING ${joinHostPort(t.host, t.port)} (${(r.addresses ?? []).map(printable).join(', ') || 'unresolved'}): policy check, no ICMP\n`);
      sent++;
      if (r.allowed) allowed++;
      ctx.out(`reply from ${printable(r.addresses?.[0] ?? t.host)}: seq=${seq} ${verdict(ctx, r)} time=${ms} ms\n`);
    }
    ctx.out(`--- ${printable(t.host)} ping statistics ---\n${sent} checked, ${allowed} allowed, ${sent - allowed} denied\n`);
    return sent > 0 && allowed === sent ? EXIT.OK : EXIT.ERROR;
  },
  complete: targetCompleter,
};

export const resolveCommand: ShellCommand = {
  name: 'resolve',
  names: ['nslookup', 'host', 'dig'],
  proxy: true,
  permission: 'resolve_command',
  help: 'resolve <hostname>   DNS lookup showing all addresses',
  async run(args, ctx) {
    const name = args[0];
    if (args.length !== 1 || name === undefined) { ctx.err('usage: resolve <hostname>\n'); return EXIT.USAGE; }
    if (!isValidHost(name)) { ctx.err(`resolve: invalid hostname '${printable(name.slice(0, 64))}'\n`); return EXIT.USAGE; }
    try {
      const addrs = await ctx.port.resolve(name, ctx.signal);
      if (addrs.length === 0) { ctx.err(`resolve: ${name}: no addresses\n`); return EXIT.ERROR; }
      ctx.out(`${name}:\n` + addrs.map((a) => `  ${printable(a)}\n`).join(''));
      return EXIT.OK;
    } catch (err) {
      ctx.err(`resolve: ${name}: ${errorText(err)}\n`);
      return EXIT.ERROR;
    }
  },
};
