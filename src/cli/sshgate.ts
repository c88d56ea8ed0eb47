/**
 * `sshgate` entry point: dispatches to the subcommands with the original's names and exit codes
 * (usage -> 2, fatal -> 1, success silent -> 0). The real clock and process signals are wired here.
 */
import { userInfo } from 'node:os';
import { systemClock, type Clock } from '../clock.js';
import { processStderr, processStdout } from './closed-pipe.js';
import { versionText } from '../version.js';
import { CliExit, type CliIo } from '../gate/commands/cli-io.js';
import { cmdCorrelate } from '../gate/commands/correlate.js';
import { cmdDelete, cmdLabel, cmdList, cmdSetStatus } from '../gate/commands/manage.js';
import { cmdServe } from '../gate/commands/serve.js';

export const USAGE = `usage: sshgate <command> [options]

commands:
  serve       run the SSH fingerprinting proxy
  list        list known fingerprints
  approve     approve a fingerprint
  block       block a fingerprint
  pending     mark a fingerprint pending
  label       label a fingerprint
  delete      delete a fingerprint
  correlate   correlate a fingerprint with sshd logs
  version     print the build version

Flags go before positional arguments; -flag and --flag are the same.
`;

export interface MainDeps {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly clock?: Clock;
  /** Resolves with the signal name that should stop `serve`; default: SIGTERM/SIGINT. */
  readonly shutdown?: Promise<string>;
}

export async function main(argv: readonly string[], deps: MainDeps = {}): Promise<number> {
  const io: CliIo = {
    stdout: deps.stdout ?? processStdout(),
    stderr: deps.stderr ?? processStderr(),
    clock: deps.clock ?? systemClock,
    who: `cli:${actingUser()}`,
  };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        await cmdServe(io, rest, { shutdown: deps.shutdown ?? signalled() });
        return 0;
      case 'list': cmdList(io, rest); return 0;
      case 'approve': await cmdSetStatus(io, rest, 'approve', 'approved'); return 0;
      case 'block': await cmdSetStatus(io, rest, 'block', 'blocked'); return 0;
      case 'pending': await cmdSetStatus(io, rest, 'pending', 'pending'); return 0;
      case 'label': await cmdLabel(io, rest); return 0;
      case 'delete': await cmdDelete(io, rest); return 0;
      case 'correlate': cmdCorrelate(io, rest); return 0;
      case 'version': case '-version': case '--version':
        io.stdout(`${versionText()}\n`);
        return 0;
      default:
        io.stderr(USAGE);
        return 2;
    }
  } catch (err) {
    if (err instanceof CliExit) return err.code;
    throw err;
  }
}

function actingUser(): string {
  const sudo = process.env['SUDO_USER'];
  if (sudo) return sudo;
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

function signalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}
