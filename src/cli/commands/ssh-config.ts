/**
 * `sks5 ssh-config --host H`: an ~/.ssh/config block for reaching sks5 (optionally as `ssh -D`).
 * Port (and host, when the server binds a named address) default to the config's `server.ssh_listen`.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { GlobalOptions } from '../global-options.js';
import { loadHelperConfig, publicHostOf } from '../helper-config.js';

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
    .option('--host <host>', 'server hostname or address (default: the host of server.ssh_listen when it is not a wildcard)')
    .option('--user <user>', 'SSH username')
    .option('--port <port>', 'SSH port (default: the port of server.ssh_listen, else 2222)')
    .option('--name <alias>', 'Host alias', 'sks5-proxy')
    .option('--dynamic-forward <port>', 'local SOCKS port (DynamicForward), e.g. 1080')
    .action((_o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { host?: string; user?: string; port?: string; name: string; dynamicForward?: string }>();
      let fromConfig: { host: string | undefined; port: number } = { host: undefined, port: 2222 };
      let source: string | undefined;
      if (opts.host === undefined || opts.port === undefined) {
        const h = loadHelperConfig(opts, ctx.io.env);
        if ('error' in h) return ctx.fail(h.error);
        if (h.config) fromConfig = publicHostOf(h.config.server.ssh_listen);
        source = h.source;
      }
      const host = opts.host ?? fromConfig.host;
      if (host === undefined) {
        return ctx.fail(source === undefined
          ? 'error: --host is required (no config found to take it from)'
          : `error: --host is required: server.ssh_listen in ${source} binds every address, which names no host to connect to`);
      }
      const out = renderSshConfig({
        host,
        port: opts.port === undefined ? fromConfig.port : Number(opts.port),
        name: opts.name,
        ...(opts.user !== undefined ? { user: opts.user } : {}),
        ...(opts.dynamicForward !== undefined ? { dynamicForward: opts.dynamicForward } : {}),
      });
      if (typeof out === 'string') ctx.io.out(out);
      else ctx.fail(`error: ${out.error}`);
    });
}
