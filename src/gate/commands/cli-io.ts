/**
 * What every sshgate subcommand gets: output sinks, the clock, who is acting (for the audit
 * trail), and the original's failure modes (log.Fatalf -> exit 1, flag errors -> exit 2).
 */
import type { Clock } from '../../clock.js';
import { flagUsage, parseGoFlags, type FlagSetSpec, type FlagValue } from '../cli-args.js';
import { goLogPrefix } from '../go-format.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly clock: Clock;
  /** Recorded in fingerprint_events, e.g. `cli:alice`. */
  readonly who: string;
}

export const DEFAULT_DB = '/var/lib/sshgate/sshgate.db';
export const DEFAULT_CONFIG = '/etc/sshgate/config.json';

/** Thrown to end a command with an exit code after its message was written. */
export class CliExit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/** Go's log.Fatalf: timestamped line on stderr, exit status 1. */
export function fatal(io: CliIo, message: string): never {
  io.stderr(`${goLogPrefix(io.clock.now())}${message}\n`);
  throw new CliExit(1);
}

export interface ParsedFlags {
  readonly values: Readonly<Record<string, FlagValue>>;
  readonly args: string[];
  str(name: string): string;
  bool(name: string): boolean;
  num(name: string): number;
  list(name: string): string[];
  /** Given on the command line (not just its default). */
  isSet(name: string): boolean;
}

/** flag.ExitOnError: the error and usage on stderr, exit 2; `-h` prints usage, exit 0. */
export function parseFlags(io: CliIo, spec: FlagSetSpec, argv: readonly string[]): ParsedFlags {
  const r = parseGoFlags(spec, argv);
  if (!r.ok) {
    io.stderr((r.help ? '' : `${r.error}\n`) + flagUsage(spec));
    throw new CliExit(r.help ? 0 : 2);
  }
  const v = r.values;
  return {
    values: v,
    args: r.args,
    str: (n) => String(v[n] ?? ''),
    bool: (n) => v[n] === true,
    num: (n) => Number(v[n] ?? 0),
    list: (n) => (Array.isArray(v[n]) ? (v[n] as string[]) : []),
    isSet: (n) => r.set.has(n),
  };
}
