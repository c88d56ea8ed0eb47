/** `sks5 ssh-config --host H`: an ~/.ssh/config block for reaching sks5 (optionally as `ssh -D`). */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export interface SshConfigInput {
  readonly host: string;
  readonly user?: string;
  readonly port: number;
  readonly name: string;
  readonly dynamicForward?: string;
}

/** ssh_config values are whitespace-separated: a space or newline here would inject directives. */
const SAFE_TOKEN = /^[A-Za-z0-9._@%:[\]-]+$/;

export function renderSshConfig(input: SshConfigInput): string | { error: string } {
  for (const [flag, value] of [['--host', input.host], ['--user', input.user], ['--name', input.name], ['--dynamic-forward', input.dynamicForward]] as const) {
    if (value !== undefined && !SAFE_TOKEN.test(value)) return { error: `${flag}: "${value}" contains characters not allowed in ssh_config` };
  }
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) return { error: '--port: expected 1-65535' };
  const lines = [`Host ${input.name}`, `    HostName ${input.host}`, `    Port ${input.port}`];
  if (input.user !== undefined) lines.push(`    User ${input.user}`);
  if (input.dynamicForward !== undefined) lines.push(`    DynamicForward ${input.dynamicForward}`);
  // Keepalives notice a dead tunnel within about 90 s instead of leaving `ssh -D` hanging.
  lines.push('    ServerAliveInterval 30', '    ServerAliveCountMax 3');
  return `${lines.join('\n')}\n`;
}

export function registerSshConfig(program: Command, ctx: CliContext): void {
  program
    .command('ssh-config')
    .description('print an ~/.ssh/config block for connecting to this server')
    .requiredOption('--host <host>', 'server hostname or address')
    .option('--user <user>', 'SSH username')
    .option('--port <port>', 'SSH port', '2222')
    .option('--name <alias>', 'Host alias', 'sks5-proxy')
    .option('--dynamic-forward <port>', 'local SOCKS port (DynamicForward), e.g. 1080')
    .action((opts: { host: string; user?: string; port: string; name: string; dynamicForward?: string }) => {
      const out = renderSshConfig({
        host: opts.host,
        port: Number(opts.port),
        name: opts.name,
        ...(opts.user !== undefined ? { user: opts.user } : {}),
        ...(opts.dynamicForward !== undefined ? { dynamicForward: opts.dynamicForward } : {}),
      });
      if (typeof out === 'string') ctx.io.out(out);
      else ctx.fail(`error: ${out.error}`);
    });
}
