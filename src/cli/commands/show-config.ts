/** `sks5 show-config [--format toml|json]`: the effective config (defaults filled in), secrets redacted. */
import { Option, type Command } from 'commander';
import { redactConfig } from '../../config/redact.js';
import { toToml } from '../../config/toml-write.js';
import type { CliContext } from '../context.js';
import { describeLoadError, loadEffectiveConfig, type GlobalOptions } from '../global-options.js';

export function registerShowConfig(program: Command, ctx: CliContext): void {
  program
    .command('show-config')
    .description('print the effective configuration with secrets redacted')
    .addOption(new Option('--format <format>', 'output format').choices(['toml', 'json']).default('toml'))
    .action((_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { format: 'toml' | 'json' }>();
      let loaded;
      try {
        loaded = loadEffectiveConfig(opts, ctx.io.env);
      } catch (err) {
        return ctx.fail(describeLoadError(err));
      }
      const redacted = redactConfig(loaded.config);
      if (opts.format === 'json') ctx.print(JSON.stringify(redacted, null, 2));
      else ctx.io.out(toToml(redacted, [`effective configuration from ${loaded.source} (secrets redacted)`]));
      for (const w of loaded.warnings) ctx.io.err(`warning: ${w}\n`);
    });
}
