/** The default action (no subcommand): load the config and run the server until it shuts down. */
import type { Command } from 'commander';
import type { LoadedConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import type { CliContext } from '../context.js';
import { describeLoadError, loadEffectiveConfig, scrubSensitiveEnv, type GlobalOptions } from '../global-options.js';

export async function startServer(ctx: CliContext, loaded: LoadedConfig, configPath: string | undefined, reloadConfig?: () => Config, onListening?: (addresses: { api?: string }) => void): Promise<void> {
  // Imported lazily: every other subcommand works without loading the server and its dependencies.
  const { runServer } = await import('../../server/run.js');
  try {
    await runServer({ config: loaded.config, ...(configPath !== undefined ? { configPath } : {}), warnings: [...loaded.warnings], ...(reloadConfig ? { reloadConfig } : {}), ...(onListening ? { onListening } : {}) });
  } catch (err) {
    ctx.fail(`error: ${(err as Error).message}`);
  }
}

export function registerRun(program: Command, ctx: CliContext): void {
  program.allowExcessArguments(true).action(async (_opts: unknown, cmd: Command) => {
    if (cmd.args.length > 0) return ctx.fail(`error: unknown command "${cmd.args[0] ?? ''}" (see sks5 --help)`);
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    // A private copy survives the scrub below, so a reload (SIGHUP) sees the same SKS5_* values.
    const env = { ...ctx.io.env };
    let loaded;
    try {
      loaded = loadEffectiveConfig(opts, env);
    } catch (err) {
      return ctx.fail(describeLoadError(err));
    } finally {
      if (ctx.io.env === process.env) scrubSensitiveEnv(process.env);
    }
    await startServer(ctx, loaded, loaded.path, () => loadEffectiveConfig(opts, env).config);
  });
}
