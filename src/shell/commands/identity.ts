/** whoami, id, hostname, uname, echo, env: synthetic answers, never the host's real ones. */
import { printable } from '../ansi.js';
import { EXIT, type ShellCommand } from './types.js';

export const whoamiCommand: ShellCommand = {
  name: 'whoami',
  help: 'whoami               Print current user',
  run(_args, ctx) {
    ctx.out(ctx.session.user.username + '\n');
    return EXIT.OK;
  },
};

export const idCommand: ShellCommand = {
  name: 'id',
  help: 'id                   Print user identity',
  run(_args, ctx) {
    const u = ctx.session.user.username;
    const groups = [`1000(${u})`];
    if (ctx.session.user.group) groups.push(`1001(${ctx.session.user.group})`);
    ctx.out(`uid=1000(${u}) gid=1000(${u}) groups=${groups.join(',')}\n`);
    return EXIT.OK;
  },
};

export const hostnameCommand: ShellCommand = {
  name: 'hostname',
  help: 'hostname             Print hostname',
  run(_args, ctx) {
    ctx.out(ctx.settings.hostname + '\n');
    return EXIT.OK;
  },
};

export const unameCommand: ShellCommand = {
  name: 'uname',
  help: 'uname [-asnrmo]      Print system information',
  run(args, ctx) {
    const fields: Record<string, string> = {
      s: 'sks5',
      n: ctx.settings.hostname,
      r: ctx.server.version,
      m: 'virtual',
      o: 'sks5-restricted-shell',
    };
    const letters = args.length === 0 ? 's' : args.map((a) => (a.startsWith('-') ? a.slice(1) : '?')).join('');
    if (/[^asnrmo]/.test(letters) || letters === '') {
      ctx.err(`uname: invalid option -- '${printable(letters.replace(/[asnrmo]/g, '')[0] ?? '')}'\n`);
      return EXIT.USAGE;
    }
    const order = letters.includes('a') ? 'snrmo' : 'snrmo'.split('').filter((l) => letters.includes(l)).join('');
    ctx.out(order.split('').map((l) => fields[l]).join(' ') + '\n');
    return EXIT.OK;
  },
};

export const echoCommand: ShellCommand = {
  name: 'echo',
  help: 'echo [-n] <text>     Print text',
  run(args, ctx) {
    const noNewline = args[0] === '-n';
    const text = (noNewline ? args.slice(1) : args).join(' ');
    ctx.out(text + (noNewline ? '' : '\n'));
    return EXIT.OK;
  },
};

export const envCommand: ShellCommand = {
  name: 'env',
  names: ['printenv'],
  help: 'env [NAME]           Print environment variables',
  run(args, ctx) {
    if (args.length > 0) {
      let status: number = EXIT.OK;
      for (const name of args) {
        const v = ctx.env.get(name);
        if (v === undefined) status = EXIT.ERROR;
        else ctx.out(printable(v) + '\n');
      }
      return status;
    }
    for (const [k, v] of ctx.env) ctx.out(`${k}=${printable(v)}\n`);
    return EXIT.OK;
  },
  complete: (_args, word, ctx) => ['USER', 'HOME', 'HOSTNAME', 'SHELL', 'TERM', 'PWD', 'LOGNAME'].filter((n) => n.startsWith(word) && ctx !== undefined),
};
