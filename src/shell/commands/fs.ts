/** ls, cd, pwd, cat over the virtual filesystem: nothing here can reach the real disk. */
import { printable } from '../ansi.js';
import type { VirtualFs } from '../vfs.js';
import { EXIT, type CommandContext, type ShellCommand } from './types.js';

function completePath(word: string, cwd: string, vfs: VirtualFs, dirsOnly: boolean): string[] {
  const slash = word.lastIndexOf('/');
  const dirPart = slash >= 0 ? word.slice(0, slash + 1) : '';
  const base = slash >= 0 ? word.slice(slash + 1) : word;
  const abs = vfs.resolve(cwd, dirPart === '' ? '.' : dirPart);
  const node = abs === undefined ? undefined : vfs.lookup(abs);
  if (node?.kind !== 'dir') return [];
  const out: string[] = [];
  for (const [name, child] of node.children) {
    if (!name.startsWith(base)) continue;
    if (child.kind === 'dir') out.push(dirPart + name + '/');
    else if (!dirsOnly) out.push(dirPart + name);
  }
  return out;
}

export const lsCommand: ShellCommand = {
  name: 'ls',
  help: 'ls [-la] [path]      List directory contents',
  run(args, ctx) {
    const flags = args.filter((a) => a.startsWith('-') && a.length > 1);
    const paths = args.filter((a) => !(a.startsWith('-') && a.length > 1));
    const bad = flags.join('').replace(/-/g, '').replace(/[la1]/g, '');
    if (bad) { ctx.err(`ls: invalid option -- '${printable(bad[0]!)}'\n`); return EXIT.USAGE; }
    const long = flags.some((f) => f.includes('l'));
    const all = flags.some((f) => f.includes('a'));
    let status: number = EXIT.OK;
    const targets = paths.length ? paths : ['.'];
    for (const p of targets) {
      const abs = ctx.vfs.resolve(ctx.state.cwd, p);
      const node = abs === undefined ? undefined : ctx.vfs.lookup(abs);
      if (!node || abs === undefined) { ctx.err(`ls: cannot access '${printable(p)}': No such file or directory\n`); status = EXIT.ERROR; continue; }
      if (targets.length > 1) ctx.out(`${printable(p)}:\n`);
      const entries = node.kind === 'dir' ? [...node.children].sort(([a], [b]) => a.localeCompare(b)) : [[p, node] as const];
      const names = all && node.kind === 'dir' ? [['.', node] as const, ['..', node] as const, ...entries] : entries;
      const show = (name: string, isDir: boolean): string => (isDir ? ctx.color.paint(['bold', 'blue'], name) : name);
      if (long) {
        for (const [name, child] of names) {
          const isDir = child.kind === 'dir';
          const size = child.kind === 'file' ? Buffer.byteLength(child.content) : 4096;
          const owner = abs.startsWith(ctx.vfs.home) ? ctx.session.user.username : 'root';
          ctx.out(`${isDir ? 'drwxr-xr-x' : '-rw-r--r--'} 1 ${owner} ${owner} ${String(size).padStart(5)} ${show(printable(name), isDir)}\n`);
        }
      } else if (names.length > 0) {
        ctx.out(names.map(([name, child]) => show(printable(name), child.kind === 'dir')).join('  ') + '\n');
      }
    }
    return status;
  },
  complete: (_args, word, ctx) => completePath(word, ctx.state.cwd, ctx.vfs, false),
};

export const cdCommand: ShellCommand = {
  name: 'cd',
  help: 'cd [path]            Change directory',
  run(args, ctx) {
    if (args.length > 1) { ctx.err('cd: too many arguments\n'); return EXIT.ERROR; }
    const target = args[0] ?? '~';
    const abs = ctx.vfs.resolve(ctx.state.cwd, target);
    const node = abs === undefined ? undefined : ctx.vfs.lookup(abs);
    if (!node || abs === undefined) { ctx.err(`cd: ${printable(target)}: No such file or directory\n`); return EXIT.ERROR; }
    if (node.kind !== 'dir') { ctx.err(`cd: ${printable(target)}: Not a directory\n`); return EXIT.ERROR; }
    ctx.state.cwd = abs;
    return EXIT.OK;
  },
  complete: (args, word, ctx) => (args.length === 0 ? completePath(word, ctx.state.cwd, ctx.vfs, true) : []),
};

export const pwdCommand: ShellCommand = {
  name: 'pwd',
  help: 'pwd                  Print working directory',
  run(_args, ctx) {
    ctx.out(ctx.state.cwd + '\n');
    return EXIT.OK;
  },
};

export const catCommand: ShellCommand = {
  name: 'cat',
  help: 'cat <file>           Display file contents',
  run(args, ctx: CommandContext) {
    if (args.length === 0) { ctx.err('cat: missing file operand\n'); return EXIT.USAGE; }
    let status: number = EXIT.OK;
    for (const p of args) {
      const abs = ctx.vfs.resolve(ctx.state.cwd, p);
      const node = abs === undefined ? undefined : ctx.vfs.lookup(abs);
      if (!node) { ctx.err(`cat: ${printable(p)}: No such file or directory\n`); status = EXIT.ERROR; }
      else if (node.kind === 'dir') { ctx.err(`cat: ${printable(p)}: Is a directory\n`); status = EXIT.ERROR; }
      else ctx.out(node.content);
    }
    return status;
  },
  complete: (_args, word, ctx) => completePath(word, ctx.state.cwd, ctx.vfs, false),
};

