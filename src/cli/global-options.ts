/**
 * Global flags (`-c`, `--force-env`, `--set`, ...) and the one place that decides where the config
 * comes from: the file if it exists, else SKS5_* variables if they describe a server, else a clear
 * error pointing at `sks5 init` / `sks5 quick-start` (the original silently wrote a config.toml with
 * a random password here).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { hasEnvConfig, sensitiveEnvNames } from '../config/env.js';
import { ConfigError, loadConfigFile, loadConfigFromEnv, type LoadedConfig } from '../config/load.js';
import type { CliIo } from './context.js';

export interface GlobalOptions {
  readonly config?: string;
  readonly logLevel?: string;
  readonly forceEnv?: boolean;
  readonly dataDir?: string;
  readonly sshListen?: string;
  readonly set?: readonly string[];
}

export const DEFAULT_CONFIG_PATH = 'config.toml';

export function addGlobalOptions(program: Command): Command {
  return program
    .option('-c, --config <path>', `config file (TOML, or JSON when it ends in .json); env SKS5_CONFIG (default: "${DEFAULT_CONFIG_PATH}")`)
    .option('--log-level <level>', 'override logging.level (trace, debug, info, warn, error)')
    .option('--force-env', 'apply SKS5_* environment variables over the config file (env SKS5_FORCE_ENV)')
    .option('--data-dir <dir>', 'override persistence.data_dir (env SKS5_DATA_DIR)')
    .option('--ssh-listen <addr>', 'override server.ssh_listen (HOST:PORT)')
    .option('--set <key=value>', 'override any config key, e.g. --set limits.max_connections=500 (repeatable)', (v: string, acc: string[] | undefined) => [...(acc ?? []), v]);
}

export function configPathOf(opts: GlobalOptions, env: CliIo['env']): string {
  return opts.config ?? (env['SKS5_CONFIG'] || DEFAULT_CONFIG_PATH);
}

/** Flags are applied as --set items after env, so a flag beats a variable which beats the file. */
export function flagSets(opts: GlobalOptions, env: CliIo['env']): string[] {
  const sets: string[] = [];
  const dataDir = opts.dataDir ?? (env['SKS5_DATA_DIR'] || undefined);
  if (opts.logLevel !== undefined) sets.push(`logging.level=${opts.logLevel}`);
  if (dataDir !== undefined) sets.push(`persistence.data_dir=${dataDir}`);
  if (opts.sshListen !== undefined) sets.push(`server.ssh_listen=${opts.sshListen}`);
  return [...sets, ...(opts.set ?? [])];
}

export class NoConfigError extends Error {
  constructor(path: string) {
    super(
      `No configuration found: ${path} does not exist and no SKS5_* environment configuration is set.\n` +
        `Create one with:\n  sks5 init                 # writes ${path} with one user\n  sks5 init --preset proxy  # or bastion, dev\n` +
        `or try it right away with:\n  sks5 quick-start          # runs with a generated password\n` +
        `(env-only mode needs SKS5_SSH_LISTEN plus SKS5_PASSWORD_HASH or SKS5_AUTHORIZED_KEYS)`,
    );
    this.name = 'NoConfigError';
  }
}

/** Loads the effective config for the global flags; throws ConfigError or NoConfigError. */
export function loadEffectiveConfig(opts: GlobalOptions, env: CliIo['env']): LoadedConfig & { path: string | undefined } {
  const path = configPathOf(opts, env);
  const common = { env, forceEnv: opts.forceEnv === true, sets: flagSets(opts, env) };
  if (existsSync(path)) return { ...loadConfigFile(path, common), path };
  // An explicitly named file that is missing is a mistake, not a request for env mode.
  if (opts.config !== undefined) throw new ConfigError(path, ['(file): file not found']);
  if (hasEnvConfig(env)) return { ...loadConfigFromEnv({ ...common, env }), path: undefined };
  throw new NoConfigError(path);
}

/** Secrets read from SKS5_* variables should not stay visible in /proc/<pid>/environ. */
export function scrubSensitiveEnv(env: NodeJS.ProcessEnv): void {
  for (const name of sensitiveEnvNames(env)) delete env[name];
}

/** Prints a load failure: every issue on its own line. */
export function describeLoadError(err: unknown): string {
  if (err instanceof ConfigError || err instanceof NoConfigError) return err.message;
  return `error: ${(err as Error).message}`;
}
