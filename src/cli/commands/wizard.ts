/**
 * `sks5 wizard [-o F] [--non-interactive] [--interactive] [--force]`: writes a complete config.
 * Non-interactive (or stdin not a terminal): secure defaults, one admin user with a generated
 * password, the API on loopback with a generated token. Interactive: line-based questions in the
 * original's 14 sections. Either way the text is validated by the loader `check-config` uses
 * before it is written (mode 0600), and an existing file is kept unless --force.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_ARGON2, hashPassword } from '../../auth/password.js';
import { parseConfigText } from '../../config/load.js';
import { generatePassword, generateToken } from '../../config/presets.js';
import type { ConfigInput } from '../../config/schema.js';
import type { CliContext } from '../context.js';
import { describeLoadError } from '../global-options.js';
import { buildWizardDefaults, renderWizardToml } from '../wizard/defaults.js';
import { confirm, Draft } from '../wizard/draft.js';
import { readlinePrompter, type Prompter } from '../wizard/prompter.js';
import { PENDING_HASH, runSections } from '../wizard/sections.js';

interface WizardOptions {
  output: string;
  nonInteractive?: boolean;
  interactive?: boolean;
  force?: boolean;
}

const DEFAULT_USER = 'admin';
const HEADER = ['sks5 configuration written by `sks5 wizard`', 'Every key and its default: docs/config.md; check with `sks5 check-config -c <file>`.'];

/** Validates the exact text, then writes it (0600); false after reporting the problem. */
function writeConfig(ctx: CliContext, opts: WizardOptions, raw: ConfigInput): boolean {
  const text = renderWizardToml(raw, HEADER);
  try {
    parseConfigText(text, opts.output, { fileExists: () => true });
  } catch (err) {
    ctx.fail(describeLoadError(err));
    return false;
  }
  try {
    writeFileSync(opts.output, text, { mode: 0o600, flag: opts.force ? 'w' : 'wx' });
    return true;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    ctx.fail(e.code === 'EEXIST' ? `error: ${opts.output} already exists; not overwriting it (use --force, or choose another path with -o)` : `error: cannot write ${opts.output}: ${e.message}`);
    return false;
  }
}

function printCredentials(ctx: CliContext, users: readonly { username: string; password: string }[], apiToken: string | undefined, apiUrl: string | undefined): void {
  // The API token is a bearer secret the server compares as written, so it is in the file in clear:
  // saying "only hashes are stored" would be false (the file is written 0600 for that reason).
  ctx.print(users.length > 0 ? 'Credentials (passwords shown once; the file keeps only their Argon2id hashes):' : 'Credentials:');
  for (const u of users) ctx.print(`  username: ${u.username}\n  password: ${u.password}`);
  if (apiToken !== undefined) {
    ctx.print(`  API token: ${apiToken}${apiUrl ? `\n  dashboard: ${apiUrl}/dashboard#token=${apiToken}` : ''}`);
    ctx.print('  (the API token is stored in clear as api.token in the file, readable only by its owner; keep it secret)');
  }
}

async function nonInteractive(ctx: CliContext, opts: WizardOptions): Promise<void> {
  const password = generatePassword();
  const apiToken = generateToken();
  const raw = buildWizardDefaults({ username: DEFAULT_USER, passwordHash: await hashPassword(password, DEFAULT_ARGON2), apiToken });
  if (!writeConfig(ctx, opts, raw)) return;
  ctx.print(`Wrote ${opts.output}`);
  printCredentials(ctx, [{ username: DEFAULT_USER, password }], apiToken, `http://${raw.api?.listen ?? '127.0.0.1:9091'}`);
}

/** The summary shows the config as it will be written, minus the secrets. */
function summary(raw: ConfigInput): string {
  const shown = structuredClone(raw);
  for (const u of shown.users) if (u.password_hash !== undefined) u.password_hash = '(argon2id hash)';
  if (shown.api?.token !== undefined) shown.api.token = '(hidden)';
  return renderWizardToml(shown, []);
}

export async function runInteractiveWizard(ctx: CliContext, opts: WizardOptions, p: Prompter): Promise<void> {
  p.say('sks5 configuration wizard: Enter accepts the value in [brackets]; "none" clears an optional value.');
  const hash = (pw: string): Promise<string> => hashPassword(pw, DEFAULT_ARGON2);
  const generatedToken = generateToken();
  // The Users section always runs and sets every user's real hash.
  const draft = new Draft(buildWizardDefaults({ username: DEFAULT_USER, passwordHash: PENDING_HASH, apiToken: generatedToken }));
  const out = await runSections({ p, draft, hash });
  const raw = draft.raw as ConfigInput;
  p.say('\n== Summary ==');
  p.say(summary(raw));
  const final = draft.validate();
  if (raw.users.some((u) => u.password_hash === PENDING_HASH)) return ctx.fail('error: a user was left without a password; nothing written');
  if (!final.config) return ctx.fail(`error: the configuration is not valid:\n${final.issues.map((i) => `  ${i}`).join('\n')}`);
  if (!(await confirm(p, `Write ${opts.output}?`, true))) return ctx.fail('Nothing written.');
  if (!writeConfig(ctx, opts, raw)) return;
  ctx.print(`Wrote ${opts.output}`);
  const api = final.config.api;
  // A token the operator typed is not printed back; the generated one must be, once.
  const token = api.enabled && api.token === generatedToken ? generatedToken : undefined;
  if (out.generatedPasswords.length > 0 || token !== undefined) printCredentials(ctx, out.generatedPasswords, token, `http://${api.listen}`);
}

export function registerWizard(program: Command, ctx: CliContext): void {
  program
    .command('wizard')
    .description('write a configuration by answering questions (or with secure defaults: --non-interactive)')
    .option('-o, --output <file>', 'where to write the config', 'config.toml')
    .option('--non-interactive', 'write secure defaults with a generated admin password and API token')
    .option('--interactive', 'ask the questions even when stdin is not a terminal (answers from a pipe)')
    .option('--force', 'overwrite an existing file')
    .action(async (opts: WizardOptions) => {
      if (opts.nonInteractive && opts.interactive) return ctx.fail('error: --interactive and --non-interactive exclude each other');
      const interactive = opts.interactive === true || (!opts.nonInteractive && ctx.io.stdin.isTTY === true);
      if (!interactive) {
        if (!opts.nonInteractive) ctx.io.err('stdin is not a terminal: writing the defaults (as --non-interactive); use --interactive to answer from a pipe\n');
        return nonInteractive(ctx, opts);
      }
      const p = readlinePrompter(ctx.io.stdin, (t) => ctx.io.out(t), ctx.io.stdin.isTTY === true);
      try {
        await runInteractiveWizard(ctx, opts, p);
      } catch (err) {
        ctx.fail(`error: ${(err as Error).message}`);
      } finally {
        p.close();
      }
    });
}
