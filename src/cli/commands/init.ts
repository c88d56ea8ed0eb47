/**
 * `sks5 init [-o F] [--username U] [--password P] [--preset bastion|proxy|dev]`: writes a minimal,
 * valid config (mode 0600, never over an existing file). The password is prompted for on a terminal
 * and generated (and printed once) when stdin is not one.
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { DEFAULT_ARGON2, hashPassword } from '../../auth/password.js';
import { buildConfig } from '../../config/load.js';
import { buildMinimalConfig, buildPreset, generatePassword, PRESETS, type PresetName } from '../../config/presets.js';
import { toToml } from '../../config/toml-write.js';
import type { CliContext } from '../context.js';
import { describeLoadError } from '../global-options.js';
import { promptHidden } from '../password-input.js';

interface InitOptions {
  output: string;
  username: string;
  password?: string;
  preset?: PresetName;
}

async function choosePassword(opts: InitOptions, ctx: CliContext): Promise<{ password: string; generated: boolean }> {
  if (opts.password !== undefined) return { password: opts.password, generated: false };
  if (!ctx.io.stdin.isTTY) return { password: generatePassword(), generated: true };
  const first = await promptHidden(`Password for "${opts.username}": `, ctx.io);
  const again = await promptHidden('Repeat password: ', ctx.io);
  if (first !== again) throw new Error('passwords do not match');
  if (first === '') throw new Error('empty password');
  return { password: first, generated: false };
}

export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description('write a new configuration file')
    .option('-o, --output <file>', 'where to write the config', 'config.toml')
    .option('--username <name>', 'the first user', 'user')
    .option('--password <password>', 'the first user\'s password (prompted on a terminal, generated otherwise)')
    .addOption(new Option('--preset <preset>', 'starting point').choices(PRESETS))
    .action(async (opts: InitOptions) => {
      let chosen;
      try {
        chosen = await choosePassword(opts, ctx);
      } catch (err) {
        return ctx.fail(`error: ${(err as Error).message}`);
      }
      const passwordHash = await hashPassword(chosen.password, DEFAULT_ARGON2);
      const preset = opts.preset ? buildPreset(opts.preset, { username: opts.username, passwordHash }) : undefined;
      const raw = preset?.config ?? buildMinimalConfig({ username: opts.username, passwordHash });
      try {
        // Validate exactly what will be written, so `init` never produces a config that fails to start.
        buildConfig(structuredClone(raw) as Record<string, unknown>, opts.output, { fileExists: () => true });
      } catch (err) {
        return ctx.fail(describeLoadError(err));
      }
      const header = [`sks5 configuration written by \`sks5 init${opts.preset ? ` --preset ${opts.preset}` : ''}\``, 'Every key and its default: docs/config.md; check with `sks5 check-config`.'];
      try {
        writeFileSync(opts.output, toToml(raw as Record<string, unknown>, header), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        return ctx.fail(e.code === 'EEXIST' ? `error: ${opts.output} already exists; not overwriting it (choose another path with -o)` : `error: cannot write ${opts.output}: ${e.message}`);
      }
      ctx.print(`Wrote ${opts.output} (user "${opts.username}"${opts.preset ? `, preset ${opts.preset}` : ''})`);
      if (chosen.generated) ctx.print(`Generated password for "${opts.username}": ${chosen.password}`);
      if (preset?.generated.apiToken) ctx.print(`Generated API token: ${preset.generated.apiToken}`);
      if (preset?.generated.totpSecret) ctx.print(`Generated TOTP secret for "${opts.username}" (add it to your authenticator app): ${preset.generated.totpSecret}`);
    });
}
