/**
 * The sks5 command line: global flags, one file per subcommand under commands/, and the default
 * action (no subcommand) that runs the server. `main` returns the exit code instead of exiting so
 * it can be driven from tests and leaves the event loop to finish writes.
 */
import cluster from 'node:cluster';
import { Command, CommanderError } from 'commander';
import { WORKER_INDEX_ENV } from '../server/worker-role.js';
import { versionText } from '../version.js';
import { registerBackupRestore } from './commands/backup-restore.js';
import { registerCheckConfig } from './commands/check-config.js';
import { registerCompletions } from './commands/completions.js';
import { registerDemo } from './commands/demo.js';
import { registerGenerateTotp } from './commands/generate-totp.js';
import { registerHashPassword } from './commands/hash-password.js';
import { registerHealthCheck } from './commands/health-check.js';
import { registerInit } from './commands/init.js';
import { registerManpage } from './commands/manpage.js';
import { registerQuickStart } from './commands/quick-start.js';
import { registerRun } from './commands/run.js';
import { registerShowConfig } from './commands/show-config.js';
import { registerSshConfig } from './commands/ssh-config.js';
import { registerWizard } from './commands/wizard.js';
import { CliContext, processIo, type CliIo } from './context.js';
import { addGlobalOptions } from './global-options.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('sks5')
    .description('SSH bastion and SOCKS5 proxy with per-user ACLs, quotas and audit')
    .version(versionText(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'display help')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
    .exitOverride();
  addGlobalOptions(program);
  registerHashPassword(program, ctx);
  registerCheckConfig(program, ctx);
  registerQuickStart(program, ctx);
  registerInit(program, ctx);
  registerShowConfig(program, ctx);
  registerGenerateTotp(program, ctx);
  registerHealthCheck(program, ctx);
  registerSshConfig(program, ctx);
  registerBackupRestore(program, ctx);
  registerDemo(program, ctx);
  registerWizard(program, ctx);
  registerCompletions(program, ctx);
  registerManpage(program, ctx);
  registerRun(program, ctx);
  for (const sub of program.commands) {
    sub.version(versionText(), '-V, --version', 'print the version').exitOverride().configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) });
  }
  return program;
}

/** Runs the CLI for `argv` (user arguments, without node and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  // A worker of `[server] workers` takes its config from the primary, not from argv or the environment.
  if (cluster.isWorker && process.env[WORKER_INDEX_ENV] !== undefined) {
    const { runWorker } = await import('../server/worker.js');
    await runWorker();
    return 0;
  }
  const ctx = new CliContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    io.err(`error: ${(err as Error).message}\n`);
    return 1;
  }
  return ctx.exitCode;
}
