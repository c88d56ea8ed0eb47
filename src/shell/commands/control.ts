/** help, exit/logout, clear, history: the shell's own controls. */
import { EXIT, type ShellCommand } from './types.js';

export const helpCommand: ShellCommand = {
  name: 'help',
  help: 'help                 Show this help',
  run(_args, ctx) {
    const basic = ctx.commands.filter((c) => !c.proxy);
    const proxy = ctx.commands.filter((c) => c.proxy);
    let text = ctx.color.paint('bold', 'Available commands:') + '\n\n';
    text += basic.map((c) => `  ${c.help}\n`).join('');
    if (proxy.length > 0) {
      text += '\n' + ctx.color.paint('bold', 'Proxy commands:') + '\n\n';
      text += proxy.map((c) => `  ${c.help}\n`).join('');
    }
    text += '\nLine editing: arrows, Home/End, Ctrl-A/E/U/W/K/L, Tab completes, Up/Down recall history.\n';
    ctx.out(text);
    return EXIT.OK;
  },
};

export const exitCommand: ShellCommand = {
  name: 'exit',
  names: ['logout', 'quit'],
  help: 'exit [code]          Close the session',
  run(args, ctx) {
    const code = args[0] === undefined ? 0 : Number(args[0]);
    if (!Number.isInteger(code) || code < 0 || code > 255) {
      ctx.err(`exit: ${args[0]}: numeric argument (0-255) required\n`);
      ctx.requestExit(EXIT.USAGE);
      return EXIT.USAGE;
    }
    ctx.requestExit(code);
    return code;
  },
};

export const clearCommand: ShellCommand = {
  name: 'clear',
  help: 'clear                Clear the screen',
  run(_args, ctx) {
    ctx.clearScreen();
    return EXIT.OK;
  },
};

export const historyCommand: ShellCommand = {
  name: 'history',
  help: 'history [n]          Show the commands you typed (kept across logins)',
  run(args, ctx) {
    const n = args[0] === undefined ? Infinity : Number(args[0]);
    if (!(n >= 0)) { ctx.err(`history: ${args[0]}: numeric argument required\n`); return EXIT.USAGE; }
    const all = ctx.state.history;
    const start = Math.max(0, all.length - (Number.isFinite(n) ? n : all.length));
    for (let i = start; i < all.length; i++) ctx.out(`${String(i + 1).padStart(5)}  ${all[i]}\n`);
    return EXIT.OK;
  },
};
