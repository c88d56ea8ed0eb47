/**
 * From a command line to an exit status: tokenize, expand one level of alias, find the command,
 * check its permission, run it. Also the tab completer over the same table, so what completes
 * is exactly what runs.
 */
import { errorText, printable } from './ansi.js';
import { aliasCommand, bookmarkCommand } from './commands/bookmarks.js';
import { clearCommand, exitCommand, helpCommand, historyCommand } from './commands/control.js';
import { catCommand, cdCommand, lsCommand, pwdCommand } from './commands/fs.js';
import { echoCommand, envCommand, hostnameCommand, idCommand, unameCommand, whoamiCommand } from './commands/identity.js';
import { pingCommand, resolveCommand, testCommand } from './commands/network.js';
import { showCommand } from './commands/show.js';
import { EXIT, permitted, type CommandContext, type CompletionContext, type ShellCommand } from './commands/types.js';
import { tokenize } from './tokenizer.js';

export const COMMANDS: readonly ShellCommand[] = [
  lsCommand, cdCommand, pwdCommand, catCommand,
  whoamiCommand, idCommand, hostnameCommand, unameCommand, echoCommand, envCommand,
  helpCommand, historyCommand, clearCommand, exitCommand,
  showCommand, testCommand, pingCommand, resolveCommand, bookmarkCommand, aliasCommand,
];

/**
 * Programs people try on a bastion. They do not exist here either, but saying "not permitted"
 * tells the user this is policy, not a typo.
 */
export const BLOCKED_PROGRAMS: ReadonlySet<string> = new Set([
  'sh', 'bash', 'zsh', 'dash', 'ksh', 'csh', 'tcsh', 'fish', 'busybox', 'sudo', 'su', 'doas', 'exec', 'eval', 'source',
  'rm', 'rmdir', 'mv', 'cp', 'dd', 'chmod', 'chown', 'ln', 'mkdir', 'touch', 'tee', 'truncate', 'mkfs', 'mount', 'umount',
  'nc', 'ncat', 'netcat', 'socat', 'telnet', 'ssh', 'scp', 'sftp', 'rsync', 'ftp', 'curl', 'wget', 'nmap', 'tcpdump',
  'python', 'python2', 'python3', 'perl', 'ruby', 'node', 'php', 'lua', 'tclsh', 'awk', 'gawk', 'sed', 'find', 'xargs',
  'vi', 'vim', 'nano', 'emacs', 'less', 'more', 'top', 'htop', 'kill', 'killall', 'pkill', 'reboot', 'shutdown', 'halt',
  'apt', 'apt-get', 'yum', 'dnf', 'apk', 'pip', 'npm', 'git', 'docker', 'kubectl', 'crontab', 'passwd', 'systemctl',
  'service', 'iptables', 'ip', 'ifconfig', 'netstat', 'ss', 'traceroute', 'nohup', 'screen', 'tmux', 'tar', 'gzip',
]);

export function findCommand(name: string): ShellCommand | undefined {
  return COMMANDS.find((c) => c.name === name || c.names?.includes(name));
}

/** Resolve one level of alias: user-defined first, then `[users.aliases]`. */
function expandAlias(words: readonly string[], ctx: CommandContext): readonly string[] | string {
  const head = words[0]!;
  const body = ctx.state.aliases.get(head) ?? (Object.hasOwn(ctx.session.user.aliases, head) ? ctx.session.user.aliases[head] : undefined);
  if (body === undefined) return words;
  const t = tokenize(body, { vars: (n) => ctx.env.get(n) });
  if (!t.ok) return `${head}: bad alias: ${t.error}`;
  return [...t.words, ...words.slice(1)];
}

/** Run one line. Blank lines and comments return 0 without running anything. */
export async function runCommandLine(line: string, ctx: CommandContext): Promise<number> {
  const t = tokenize(line, { vars: (n) => ctx.env.get(n) });
  if (!t.ok) { ctx.err(`sks5: ${t.error}\n`); return EXIT.USAGE; }
  if (t.words.length === 0) return EXIT.OK;
  const words = expandAlias(t.words, ctx);
  if (typeof words === 'string') { ctx.err(`sks5: ${printable(words)}\n`); return EXIT.USAGE; }
  if (words.length === 0) return EXIT.OK;
  const name = words[0]!;
  const shown = printable(name).slice(0, 64);
  const cmd = findCommand(name);
  if (!cmd) {
    const base = name.slice(name.lastIndexOf('/') + 1);
    if (BLOCKED_PROGRAMS.has(base) || name.includes('/')) {
      ctx.err(`${shown}: not permitted in this restricted shell\n`);
      return EXIT.NOT_PERMITTED;
    }
    ctx.err(`${shown}: command not found\n`);
    return EXIT.NOT_FOUND;
  }
  if (!permitted(cmd, ctx.session.user.shellPermissions)) {
    ctx.err(`${shown}: not permitted for your account\n`);
    return EXIT.NOT_PERMITTED;
  }
  try {
    return await cmd.run(words.slice(1), ctx);
  } catch (err) {
    if (ctx.signal.aborted) return EXIT.INTERRUPTED;
    ctx.err(`${shown}: internal error: ${errorText(err)}\n`);
    return EXIT.ERROR;
  }
}

/** Candidates for the word that ends `lineBeforeCursor` (whole words, as the editor wants them). */
export function completeCommandLine(lineBeforeCursor: string, ctx: CompletionContext): string[] {
  const parts = lineBeforeCursor.split(' ');
  const word = parts.pop() ?? '';
  const before = parts.filter((p) => p !== '');
  if (before.length === 0) {
    const names = COMMANDS.filter((c) => permitted(c, ctx.permissions)).map((c) => c.name);
    const aliases = [...ctx.state.aliases.keys(), ...Object.keys(ctx.configAliases)];
    return [...names, ...aliases].filter((n) => n.startsWith(word));
  }
  const cmd = findCommand(before[0]!);
  if (!cmd?.complete || !permitted(cmd, ctx.permissions)) return [];
  return [...cmd.complete(before.slice(1), word, ctx)];
}

/** Commands listed by `help` for this user: the ones their permissions allow. */
export function commandsFor(permissions: CompletionContext['permissions']): readonly ShellCommand[] {
  return COMMANDS.filter((c) => permitted(c, permissions));
}
