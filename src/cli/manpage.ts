/** sks5(1) in roff, generated from the commander program and the SKS5_* variable table. */
import type { Command, Option } from 'commander';
import { ENV_VARS, USER_ENV_FIELDS } from '../config/env-vars.js';

/** Escapes text for roff: backslashes, hyphens (so they render as ASCII minus) and leading control chars. */
export function roffEscape(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
}

function optionEntry(o: Option): string {
  const value = /(<[^>]+>|\[[^\]]+\])/.exec(o.flags)?.[1];
  const flags = [o.short, o.long].filter((f): f is string => f !== undefined).map((f) => `\\fB${roffEscape(f)}\\fR`).join(', ');
  const dflt = o.defaultValue !== undefined && !Array.isArray(o.defaultValue) ? ` (default: ${String(o.defaultValue)})` : '';
  const choices = o.argChoices ? ` (one of: ${o.argChoices.join(', ')})` : '';
  return `.TP\n${flags}${value ? ` \\fI${roffEscape(value)}\\fR` : ''}\n${roffEscape(`${o.description}${choices}${dflt}`)}`;
}

export function manpage(program: Command, version: string): string {
  const name = program.name();
  const out: string[] = [
    `.TH ${name.toUpperCase()} 1 "" "${name} ${version}" "User Commands"`,
    '.SH NAME',
    `${name} \\- ${roffEscape(program.description())}`,
    '.SH SYNOPSIS',
    `.B ${name}\n[\\fIGLOBAL OPTIONS\\fR] [\\fICOMMAND\\fR [\\fIOPTIONS\\fR]]`,
    '.SH DESCRIPTION',
    roffEscape(`Without a command, ${name} runs the server from the configuration file (config.toml by default), or from SKS5_* environment variables when no file exists. Global options may appear before or after the command.`),
    '.SH GLOBAL OPTIONS',
    ...program.options.map(optionEntry),
    '.SH COMMANDS',
  ];
  for (const c of program.commands) {
    if (c.name() === 'help') continue;
    const args = c.registeredArguments.map((a) => ` \\fI${a.name()}\\fR`).join('');
    out.push(`.SS "${c.name()}"`, `\\fB${name} ${roffEscape(c.name())}\\fR${args}`, '.PP', roffEscape(c.description()), ...c.options.map(optionEntry));
  }
  out.push('.SH ENVIRONMENT', '.TP', '\\fBSKS5_CONFIG\\fR', 'Config file path (same as \\fB\\-\\-config\\fR).', '.TP', '\\fBSKS5_FORCE_ENV\\fR', 'Apply SKS5_* variables over an existing config file.');
  for (const v of ENV_VARS) out.push('.TP', `\\fBSKS5_${roffEscape(v.name)}\\fR${v.kind === 'secret' ? ` (or \\fBSKS5_${roffEscape(v.name)}_FILE\\fR)` : ''}`, `Sets \\fI${roffEscape(v.path)}\\fR.`);
  out.push('.TP', '\\fBSKS5_USER_\\fIN\\fB_\\fIFIELD\\fR', roffEscape(`Users N = 0, 1, 2... (contiguous). Fields: ${USER_ENV_FIELDS.map((f) => f.name).join(', ')}. Without indexes, SKS5_<FIELD> defines a single user.`));
  out.push('.SH EXIT STATUS', '0 on success; 1 when the configuration is invalid, a probe fails or a command fails.');
  out.push('.SH SEE ALSO', '\\fBssh\\fR(1), \\fBssh_config\\fR(5)');
  return `${out.join('\n')}\n`;
}
