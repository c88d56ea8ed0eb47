/** `sks5 hash-password [-p X]`: prints an Argon2id PHC string for a [[users]] password_hash. */
import type { Command } from 'commander';
import { DEFAULT_ARGON2, hashPassword, type Argon2Costs } from '../../auth/password.js';
import type { CliContext } from '../context.js';
import { loadEffectiveConfig, type GlobalOptions } from '../global-options.js';
import { promptHidden } from '../password-input.js';

/** The config's security.argon2_* when a config is readable, so hashes match what the server expects. */
function costsFrom(opts: GlobalOptions, env: CliContext['io']['env']): Argon2Costs {
  try {
    const { security } = loadEffectiveConfig(opts, env).config;
    return { memoryCost: security.argon2_memory_cost, timeCost: security.argon2_time_cost, parallelism: security.argon2_parallelism };
  } catch {
    return DEFAULT_ARGON2;
  }
}

export function registerHashPassword(program: Command, ctx: CliContext): void {
  program
    .command('hash-password')
    .description('print an Argon2id hash for a password (reads one line from stdin when -p is omitted)')
    .option('-p, --password <password>', 'the password (visible in the process list; prefer stdin)')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { password?: string }>();
      let password = opts.password;
      if (password === undefined) {
        try {
          password = await promptHidden('Password: ', ctx.io);
        } catch (err) {
          return ctx.fail(`error: ${(err as Error).message}`);
        }
      }
      if (password === '') return ctx.fail('error: empty password');
      ctx.print(await hashPassword(password, costsFrom(opts, ctx.io.env)));
    });
}
