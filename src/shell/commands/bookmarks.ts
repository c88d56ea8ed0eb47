/** bookmark and alias: per-user names for targets and commands, persisted through the store. */
import { errorText, printable } from '../ansi.js';
import { quoteWord } from '../tokenizer.js';
import { joinHostPort } from '../../host-port.js';
import { parseTarget } from './target.js';
import { EXIT, type CommandContext, type ShellCommand } from './types.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;
const ALIAS_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,31}$/;
const MAX_ALIAS_COMMAND = 1024;
const MAX_USER_ALIASES = 100;

/** `del <name>` of either command: from the store first, so a store error leaves the session's entry in place. */
async function removeSaved(ctx: CommandContext, what: 'bookmark' | 'alias', saved: Map<string, string>, name: string, del: () => unknown): Promise<number> {
  try {
    await del();
  } catch (err) {
    ctx.err(`${what}: could not delete: ${errorText(err)}\n`);
    return EXIT.ERROR;
  }
  saved.delete(name);
  ctx.out(`${what === 'bookmark' ? 'Bookmark' : 'Alias'} '${name}' removed\n`);
  return EXIT.OK;
}

async function bookmarkAdd(ctx: CommandContext, name: string, targetText: string): Promise<number> {
  if (!NAME.test(name)) { ctx.err('bookmark: name must be 1-32 letters, digits, _ . -\n'); return EXIT.USAGE; }
  const t = parseTarget(targetText);
  if (typeof t === 'string') { ctx.err(`bookmark: ${t}\n`); return EXIT.USAGE; }
  const { bookmarks } = ctx.state;
  if (!bookmarks.has(name) && bookmarks.size >= ctx.settings.bookmarksMax) {
    ctx.err(`bookmark: limit of ${ctx.settings.bookmarksMax} bookmarks reached\n`);
    return EXIT.ERROR;
  }
  const target = joinHostPort(t.host, t.port);
  try {
    if (!(await ctx.port.store.addBookmark(ctx.session.user.username, name, target))) {
      ctx.err('bookmark: the store refused it (limit reached)\n');
      return EXIT.ERROR;
    }
  } catch (err) {
    ctx.err(`bookmark: could not save: ${errorText(err)}\n`);
    return EXIT.ERROR;
  }
  bookmarks.set(name, target);
  ctx.out(`Bookmark '${name}' -> ${target}\n`);
  return EXIT.OK;
}

export const bookmarkCommand: ShellCommand = {
  name: 'bookmark',
  names: ['bm'],
  proxy: true,
  permission: 'bookmark_command',
  help: 'bookmark <sub>       add <name> <host:port> | list | del <name>',
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { bookmarks } = ctx.state;
    switch (sub) {
      case undefined: case 'list': case 'ls': {
        if (bookmarks.size === 0) { ctx.out('No bookmarks. Add one with: bookmark add <name> <host:port>\n'); return EXIT.OK; }
        const width = Math.max(...[...bookmarks.keys()].map((k) => k.length)) + 2;
        for (const [n, t] of [...bookmarks].sort(([a], [b]) => a.localeCompare(b))) ctx.out(`  ${ctx.color.paint('cyan', n.padEnd(width))}${printable(t)}\n`);
        return EXIT.OK;
      }
      case 'add':
        if (rest.length !== 2) { ctx.err('usage: bookmark add <name> <host:port>\n'); return EXIT.USAGE; }
        return bookmarkAdd(ctx, rest[0]!, rest[1]!);
      case 'del': case 'rm': case 'remove': {
        const name = rest[0];
        if (rest.length !== 1 || name === undefined) { ctx.err('usage: bookmark del <name>\n'); return EXIT.USAGE; }
        if (!bookmarks.has(name)) { ctx.err(`bookmark: no bookmark named '${printable(name)}'\n`); return EXIT.ERROR; }
        return removeSaved(ctx, 'bookmark', bookmarks, name, () => ctx.port.store.deleteBookmark(ctx.session.user.username, name));
      }
      default:
        ctx.err(`bookmark: unknown subcommand '${printable(sub)}'\nusage: bookmark add <name> <host:port> | list | del <name>\n`);
        return EXIT.USAGE;
    }
  },
  complete(args, word, ctx) {
    if (args.length === 0) return ['add', 'list', 'del'].filter((s) => s.startsWith(word));
    if (args.length === 1 && ['del', 'rm', 'remove'].includes(args[0]!)) return [...ctx.state.bookmarks.keys()].filter((n) => n.startsWith(word));
    return [];
  },
};

async function aliasAdd(ctx: CommandContext, name: string, command: string): Promise<number> {
  if (!ALIAS_NAME.test(name)) { ctx.err('alias: name must start with a letter or _, then up to 31 letters, digits, _ -\n'); return EXIT.USAGE; }
  if (ctx.commands.some((c) => c.name === name || c.names?.includes(name))) { ctx.err(`alias: '${name}' is a built-in command\n`); return EXIT.USAGE; }
  if (command.trim() === '' || command.length > MAX_ALIAS_COMMAND) { ctx.err(`alias: command must be 1-${MAX_ALIAS_COMMAND} characters\n`); return EXIT.USAGE; }
  const { aliases } = ctx.state;
  if (!aliases.has(name) && aliases.size >= MAX_USER_ALIASES) { ctx.err(`alias: limit of ${MAX_USER_ALIASES} aliases reached\n`); return EXIT.ERROR; }
  try {
    await ctx.port.store.setAlias?.(ctx.session.user.username, name, command);
  } catch (err) {
    ctx.err(`alias: could not save: ${errorText(err)}\n`);
    return EXIT.ERROR;
  }
  aliases.set(name, command);
  ctx.out(`alias ${name}='${command}'\n`);
  return EXIT.OK;
}

export const aliasCommand: ShellCommand = {
  name: 'alias',
  proxy: true,
  permission: 'alias_command',
  help: 'alias <sub>          list | add <name> <command> | <name>=<command> | del <name>',
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { aliases } = ctx.state;
    const configAliases = ctx.session.user.aliases;
    if (sub === undefined || sub === 'list' || sub === 'ls') {
      const all = [...Object.entries(configAliases).map(([n, c]) => [n, c, ' (config)'] as const), ...[...aliases].map(([n, c]) => [n, c, ''] as const)];
      if (all.length === 0) { ctx.out('No aliases. Add one with: alias add <name> <command>\n'); return EXIT.OK; }
      for (const [n, c, origin] of all.sort(([a], [b]) => a.localeCompare(b))) ctx.out(`alias ${n}='${printable(c)}'${ctx.color.paint('dim', origin)}\n`);
      return EXIT.OK;
    }
    if (sub === 'add') {
      if (rest.length < 2) { ctx.err('usage: alias add <name> <command>\n'); return EXIT.USAGE; }
      return aliasAdd(ctx, rest[0]!, rest.slice(1).map(quoteWord).join(' '));
    }
    if (sub === 'del' || sub === 'rm' || sub === 'remove') {
      const name = rest[0];
      if (rest.length !== 1 || name === undefined) { ctx.err('usage: alias del <name>\n'); return EXIT.USAGE; }
      if (!aliases.has(name)) {
        ctx.err(Object.hasOwn(configAliases, name) ? `alias: '${name}' is set in the server config and cannot be removed\n` : `alias: no alias named '${printable(name)}'\n`);
        return EXIT.ERROR;
      }
      return removeSaved(ctx, 'alias', aliases, name, () => ctx.port.store.deleteAlias?.(ctx.session.user.username, name));
    }
    const eq = args.join(' ').indexOf('=');
    if (eq > 0) {
      const line = args.join(' ');
      return aliasAdd(ctx, line.slice(0, eq), line.slice(eq + 1));
    }
    ctx.err(`alias: unknown subcommand '${printable(sub)}'\nusage: alias [list] | alias add <name> <command> | alias <name>=<command> | alias del <name>\n`);
    return EXIT.USAGE;
  },
  complete(args, word, ctx) {
    if (args.length === 0) return ['add', 'list', 'del'].filter((s) => s.startsWith(word));
    if (args.length === 1 && ['del', 'rm', 'remove'].includes(args[0]!)) return [...ctx.state.aliases.keys()].filter((n) => n.startsWith(word));
    return [];
  },
};
