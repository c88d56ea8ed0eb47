/** `sks5 check-config`: validates the effective config and lists every problem, exit 1 when any. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { describeLoadError, loadEffectiveConfig, type GlobalOptions } from '../global-options.js';

export function registerCheckConfig(program: Command, ctx: CliContext): void {
  program
    .command('check-config')
    .description('validate the configuration and list every problem')
    .action((_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      let loaded;
      try {
        loaded = loadEffectiveConfig(opts, ctx.io.env);
      } catch (err) {
        return ctx.fail(describeLoadError(err));
      }
      const { config, warnings, source } = loaded;
      ctx.print(`Configuration OK: ${source}`);
      ctx.print(`  SSH listen:    ${config.server.ssh_listen}`);
      ctx.print(`  SOCKS5 listen: ${config.server.socks5_listen ?? '(disabled)'}`);
      ctx.print(`  HTTP proxy:    ${config.server.http_proxy_listen ? `${config.server.http_proxy_listen}${config.server.http_proxy_tls_cert ? ' (TLS)' : ''}` : '(disabled)'}`);
      ctx.print(`  Users:         ${config.users.length}`);
      for (const w of warnings) ctx.print(`warning: ${w}`);
    });
}
