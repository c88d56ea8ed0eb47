/**
 * Shell completion scripts generated from the commander program itself, so a new subcommand or
 * flag is completed without anyone editing three hand-written scripts.
 */
import type { Command, Option } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Opt {
  readonly short?: string;
  readonly long?: string;
  readonly takesValue: boolean;
  readonly choices: readonly string[] | undefined;
  readonly isFile: boolean;
  readonly description: string;
}

interface Sub {
  readonly name: string;
  readonly description: string;
  readonly options: readonly Opt[];
  readonly argChoices: readonly string[];
}

const FILE_VALUE = /<(path|file|dir)>/;

function optOf(o: Option): Opt {
  return {
    ...(o.short !== undefined ? { short: o.short } : {}),
    ...(o.long !== undefined ? { long: o.long } : {}),
    takesValue: o.required || o.optional,
    choices: o.argChoices,
    isFile: FILE_VALUE.test(o.flags) || o.long === '--output' || o.long === '--save-config',
    description: o.description,
  };
}

const HELP: Opt = { short: '-h', long: '--help', takesValue: false, choices: undefined, isFile: false, description: 'display help' };

function model(program: Command): { globals: Opt[]; subs: Sub[] } {
  const globals = [...program.options.map(optOf), HELP];
  const subs = program.commands
    .filter((c) => c.name() !== 'help')
    .map((c) => ({
      name: c.name(),
      description: c.description(),
      options: [...c.options.map(optOf), HELP],
      argChoices: c.registeredArguments.flatMap((a) => a.argChoices ?? []),
    }));
  return { globals, subs };
}

const flagsOf = (o: Opt): string[] => [o.short, o.long].filter((f): f is string => f !== undefined);

function bash(name: string, m: ReturnType<typeof model>): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const all = [...m.globals, ...m.subs.flatMap((s) => s.options)];
  const fileFlags = [...new Set(all.filter((o) => o.isFile).flatMap(flagsOf))];
  const choiceCases = all.filter((o) => o.choices).map((o) => `    ${flagsOf(o).join('|')}) COMPREPLY=( $(compgen -W "${(o.choices ?? []).join(' ')}" -- "$cur") ); return ;;`);
  const valueFlags = [...new Set(all.filter((o) => o.takesValue && !o.isFile && !o.choices).flatMap(flagsOf))];
  const subCases = m.subs.map((s) => `    ${s.name}) opts="${[...s.options.flatMap(flagsOf), ...s.argChoices].join(' ')}" ;;`);
  return `# bash completion for ${name}; install: ${name} completions bash > /etc/bash_completion.d/${name}
${fn}() {
  local cur prev sub opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  sub=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${m.subs.map((s) => s.name).join('|')}) sub="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
${fileFlags.length ? `    ${fileFlags.join('|')}) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;\n` : ''}${choiceCases.join('\n')}
${valueFlags.length ? `    ${valueFlags.join('|')}) return ;;\n` : ''}  esac
  case "$sub" in
${subCases.join('\n')}
    *) opts="${m.subs.map((s) => s.name).join(' ')}" ;;
  esac
  COMPREPLY=( $(compgen -W "$opts ${m.globals.flatMap(flagsOf).join(' ')}" -- "$cur") )
}
complete -F ${fn} ${name}
`;
}

const zq = (s: string): string => s.replace(/'/g, `'\\''`).replace(/[[\]:]/g, (c) => `\\${c}`);

function zshSpec(o: Opt): string {
  const value = o.takesValue ? (o.choices ? `:value:(${o.choices.join(' ')})` : o.isFile ? ':file:_files' : ':value:') : '';
  const flags = flagsOf(o);
  const desc = `[${zq(o.description)}]`;
  if (flags.length === 2) return `'(${flags.join(' ')})'{${flags.join(',')}}'${desc}${value}'`;
  return `'${flags[0]}${desc}${value}'`;
}

function zsh(name: string, m: ReturnType<typeof model>): string {
  const subCases = m.subs.map((s) => {
    const specs = [...s.options.map(zshSpec), ...(s.argChoices.length ? [`'1:shell:(${s.argChoices.join(' ')})'`] : [])];
    return `        ${s.name}) _arguments ${specs.join(' \\\n          ')} ;;`;
  });
  return `#compdef ${name}
# zsh completion for ${name}; install: ${name} completions zsh > "\${fpath[1]}/_${name}"
_${name}() {
  local -a commands
  local state line
  commands=(
${m.subs.map((s) => `    '${s.name}:${zq(s.description)}'`).join('\n')}
  )
  _arguments -C \\
    ${m.globals.map(zshSpec).join(' \\\n    ')} \\
    '1: :->command' \\
    '*:: :->args'
  case $state in
    command) _describe 'command' commands ;;
    args)
      case $line[1] in
${subCases.join('\n')}
      esac ;;
  esac
}
_${name} "$@"
`;
}

const fq = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fishLine(name: string, o: Opt, condition?: string): string {
  const parts = [`complete -c ${name}`];
  if (condition) parts.push(`-n ${fq(condition)}`);
  if (o.short) parts.push(`-s ${o.short.replace(/^-/, '')}`);
  if (o.long) parts.push(`-l ${o.long.replace(/^--/, '')}`);
  if (o.takesValue) parts.push(o.isFile ? '-r -F' : '-r');
  if (o.choices) parts.push(`-a ${fq(o.choices.join(' '))}`);
  parts.push(`-d ${fq(o.description)}`);
  return parts.join(' ');
}

function fish(name: string, m: ReturnType<typeof model>): string {
  const lines = [`# fish completion for ${name}; install: ${name} completions fish > ~/.config/fish/completions/${name}.fish`, `complete -c ${name} -f`];
  for (const s of m.subs) lines.push(`complete -c ${name} -n '__fish_use_subcommand' -a ${s.name} -d ${fq(s.description)}`);
  for (const o of m.globals) lines.push(fishLine(name, o));
  for (const s of m.subs) {
    const cond = `__fish_seen_subcommand_from ${s.name}`;
    for (const o of s.options) lines.push(fishLine(name, o, cond));
    if (s.argChoices.length) lines.push(`complete -c ${name} -n ${fq(cond)} -a ${fq(s.argChoices.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(program: Command, shell: Shell): string {
  const m = model(program);
  const name = program.name();
  return shell === 'bash' ? bash(name, m) : shell === 'zsh' ? zsh(name, m) : fish(name, m);
}
