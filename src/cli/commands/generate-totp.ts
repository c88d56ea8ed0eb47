/** `sks5 generate-totp --username U`: a new TOTP seed, its otpauth:// URI and the lines for the config. */
import type { Command } from 'commander';
import { Secret, TOTP } from 'otpauth';
import type { CliContext } from '../context.js';

export function totpEnrollment(username: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 });
  const totp = new TOTP({ issuer: 'sks5', label: username, algorithm: 'SHA1', digits: 6, period: 30, secret });
  return { secret: secret.base32, uri: totp.toString() };
}

export function registerGenerateTotp(program: Command, ctx: CliContext): void {
  program
    .command('generate-totp')
    .description('generate a TOTP secret and otpauth:// URI for a user')
    .requiredOption('--username <name>', 'the user the secret is for')
    .action((opts: { username: string }) => {
      const { secret, uri } = totpEnrollment(opts.username);
      // The original's lines, word for word: scripts grep "TOTP secret for '<user>': " for the seed.
      ctx.print(`TOTP secret for '${opts.username}': ${secret}`);
      ctx.print(`OTPAuth URL: ${uri}`);
      ctx.print('');
      ctx.print(`Add to config.toml (the [[users]] entry of "${opts.username}"):`);
      ctx.print(`  totp_secret = "${secret}"`);
      ctx.print('  totp_enabled = true');
    });
}
