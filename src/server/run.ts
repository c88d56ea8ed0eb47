/**
 * Run the server in this process until a signal: SIGTERM/SIGINT drain and exit, SIGHUP reloads the
 * config file (validated first; an invalid file changes nothing), SIGUSR1 toggles maintenance.
 */
import type { Config } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';
import { createLogger } from '../observe/log.js';
import { startServer, type RunningServer } from './start.js';
import { runPrimary, workerCount } from './primary.js';

export interface RunOptions {
  config: Config;
  configPath?: string | undefined;
  warnings?: readonly string[] | undefined;
  /** Re-read the config (same flags as at start) for SIGHUP and POST /api/reload. */
  reloadConfig?: (() => Config) | undefined;
  /** Called once every listener is bound, with the real addresses (port 0 resolved). */
  onListening?: ((addresses: RunningServer['addresses']) => void) | undefined;
}

export async function runServer(opts: RunOptions): Promise<void> {
  const { config } = opts;
  const log = createLogger({ level: config.logging.level, format: config.logging.format });
  for (const w of opts.warnings ?? []) log.warn(w);
  const reloadConfig = opts.reloadConfig ?? (opts.configPath ? () => loadConfigFile(opts.configPath!).config : undefined);
  const workers = workerCount(config);
  if (workers > 1) {
    await runPrimary({ config, configPath: opts.configPath, count: workers, log, reloadConfig, onListening: opts.onListening });
    return;
  }
  // Signals are handled from the first moment: a SIGTERM during start-up still shuts down cleanly.
  let server: RunningServer | undefined;
  let pendingStop: string | undefined;
  const early = (sig: string) => (): void => { pendingStop ??= sig; };
  const earlyTerm = early('SIGTERM');
  const earlyInt = early('SIGINT');
  // A SIGHUP without a listener kills Node; `systemctl reload` right after start must not.
  let pendingReload = false;
  const earlyHup = (): void => { pendingReload = true; };
  process.on('SIGTERM', earlyTerm);
  process.on('SIGINT', earlyInt);
  process.on('SIGHUP', earlyHup);
  try {
    server = await startServer({ config, configPath: opts.configPath, log, reloadConfig });
  } catch (err) {
    process.off('SIGHUP', earlyHup);
    log.fatal(`cannot start: ${(err as Error).message}`);
    log.flush?.();
    process.exitCode = 1;
    return;
  } finally {
    process.off('SIGTERM', earlyTerm);
    process.off('SIGINT', earlyInt);
  }
  const running = server;
  opts.onListening?.(running.addresses);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) {
        log.warn(`${sig} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      running.shutdown(sig).then(resolve, (err: unknown) => { log.error(`shutdown error: ${(err as Error).message}`); resolve(); });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    if (pendingStop) stop(pendingStop);
    process.on('SIGHUP', () => { void running.reload(); });
    process.off('SIGHUP', earlyHup);
    if (pendingReload && !stopping) void running.reload();
    process.on('SIGUSR1', () => {
      const on = !running.management.maintenance().enabled;
      running.management.setMaintenance(on, 'signal');
      log.warn(`SIGUSR1: maintenance mode ${on ? 'on' : 'off'}`);
    });
  });
  log.flush?.();
}
