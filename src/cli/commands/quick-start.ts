/**
 * `sks5 quick-start`: a one-user config built in memory, optionally saved (0600), then the server
 * runs. A generated password is printed once, because nothing else records it.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_ARGON2, hashPassword } from '../../auth/password.js';
import { buildConfig, type LoadedConfig } from '../../config/load.js';
import { buildQuickStartConfig, generatePassword, generateToken } from '../../config/presets.js';
import { toToml } from '../../config/toml-write.js';
import type { CliContext } from '../context.js';
import { describeLoadError, flagSets, type GlobalOptions } from '../global-options.js';
import { localAddressOf } from '../helper-config.js';
import { startServer } from './run.js';

const DEFAULT_SSH_LISTEN = '0.0.0.0:2222';

interface QuickStartOptions extends GlobalOptions {
  username: string;
  sshListen?: string;
  socks5Listen?: string;
  password?: string;
  saveConfig?: string;
  apiListen?: string;
}

export function registerQuickStart(program: Command, ctx: CliContext): void {
  program
    .command('quick-start')
    .description('run immediately with a one-user configuration built from flags')
    .option('--username <name>', 'the user', 'user')
    // No commander default here: it would shadow a global `sks5 --ssh-listen X quick-start`.
    .option('--ssh-listen <addr>', 'SSH listen address (default: "0.0.0.0:2222")')
    .option('--socks5-listen <addr>', 'also listen for SOCKS5 (HOST:PORT)')
    .option('--password <password>', 'the user\'s password (generated and printed when omitted)')
    .option('--save-config <file>', 'also write the config to this file (mode 0600)')
    .option('--api-listen <addr>', 'also run the management API and dashboard here (HOST:PORT) with a generated token; prints the dashboard URL')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<QuickStartOptions>();
      const password = opts.password ?? generatePassword();
      const apiToken = opts.apiListen !== undefined ? generateToken() : undefined;
      const raw = buildQuickStartConfig({
        username: opts.username,
        passwordHash: await hashPassword(password, DEFAULT_ARGON2),
        sshListen: opts.sshListen ?? DEFAULT_SSH_LISTEN,
        ...(opts.socks5Listen !== undefined ? { socks5Listen: opts.socks5Listen } : {}),
        ...(opts.apiListen !== undefined && apiToken !== undefined ? { api: { listen: opts.apiListen, token: apiToken } } : {}),
      });
      // The subcommand's own --ssh-listen is already in `raw`; the other global flags still apply.
      const { sshListen: _own, ...globals } = opts;
      const sets = flagSets(globals, ctx.io.env);
      let loaded: LoadedConfig;
      try {
        loaded = buildConfig(structuredClone(raw) as Record<string, unknown>, 'quick-start', { sets });
      } catch (err) {
        return ctx.fail(describeLoadError(err));
      }
      if (opts.saveConfig !== undefined) {
        try {
          writeFileSync(opts.saveConfig, toToml(raw as Record<string, unknown>, ['written by `sks5 quick-start`']), { mode: 0o600, flag: 'wx' });
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          return ctx.fail(e.code === 'EEXIST' ? `error: ${opts.saveConfig} already exists; not overwriting it` : `error: cannot write ${opts.saveConfig}: ${e.message}`);
        }
      }
      ctx.print('sks5 quick start');
      ctx.print(`  username:      ${opts.username}`);
      if (opts.password === undefined) ctx.print(`  password:      ${password}`);
      ctx.print(`  SSH listen:    ${loaded.config.server.ssh_listen}`);
      ctx.print(`  SOCKS5 listen: ${loaded.config.server.socks5_listen ?? '(disabled)'}`);
      const api = loaded.config.api;
      if (api.enabled) ctx.print(`  API token:     ${api.token}`);
      if (opts.saveConfig !== undefined) ctx.print(`  config saved:  ${opts.saveConfig}`);
      // The URL waits for the listener: with port 0 only the bound address says where to go.
      const printUrl = (a: { api?: string }): void => {
        if (api.enabled && a.api !== undefined) ctx.print(`  dashboard:     http://${localAddressOf(a.api)}/dashboard#token=${encodeURIComponent(api.token)}`);
      };
      await startServer(ctx, loaded, opts.saveConfig, undefined, printUrl);
    });
}
