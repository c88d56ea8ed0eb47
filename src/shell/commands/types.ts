/**
 * What a shell command sees. Commands write text with plain `\n`; the session turns it into
 * `\r\n` on a pty. They return an exit status, which exec sends back as the SSH exit-status.
 */
import type { Clock } from '../../clock.js';
import type { ShellPermissions } from '../../config/schema.js';
import type { Palette } from '../ansi.js';
import type { ShellPort, ShellServerInfo, ShellSessionInfo } from '../port.js';
import type { ShellSettings } from '../settings.js';
import type { VirtualFs } from '../vfs.js';

export const EXIT = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  NOT_PERMITTED: 126,
  NOT_FOUND: 127,
  INTERRUPTED: 130,
} as const;

/** Per-session caches the (synchronous) tab completion reads; commands keep them in step with the store. */
export interface SessionState {
  cwd: string;
  readonly bookmarks: Map<string, string>;
  /** User-defined aliases (`alias add`); config `[users.aliases]` live in `session.user.aliases`. */
  readonly aliases: Map<string, string>;
  /** The editor's history (interactive) or the stored one (exec). */
  history: readonly string[];
}

export interface CommandContext {
  readonly session: ShellSessionInfo;
  readonly server: ShellServerInfo;
  readonly settings: ShellSettings;
  readonly port: ShellPort;
  readonly clock: Clock;
  readonly vfs: VirtualFs;
  readonly color: Palette;
  /** Aborted by Ctrl-C, a kick or the channel closing: long commands (ping, test) stop on it. */
  readonly signal: AbortSignal;
  readonly interactive: boolean;
  readonly state: SessionState;
  /** The environment `env` prints and `$VAR` expands. */
  readonly env: ReadonlyMap<string, string>;
  out(text: string): void;
  err(text: string): void;
  clearScreen(): void;
  /** Ends the session after this command (exit/logout). */
  requestExit(code: number): void;
  /** Commands this user may run, for `help` and completion. */
  readonly commands: readonly ShellCommand[];
  /** Sleep that ends early (and resolves false) when `signal` aborts. */
  sleep(ms: number): Promise<boolean>;
}

export interface ShellCommand {
  readonly name: string;
  /** Other names that run the same command (`logout` for `exit`, `printenv` for `env`). */
  readonly names?: readonly string[];
  /** One line for `help`, starting with the usage. */
  readonly help: string;
  /** When false for this user, the command is refused with exit status 126. */
  readonly permission?: keyof ShellPermissions;
  /** Shown under "Proxy commands" in help. */
  readonly proxy?: boolean;
  run(args: readonly string[], ctx: CommandContext): number | Promise<number>;
  /** Candidates for `word` (being typed), given the complete words before it, command name excluded. */
  complete?(argsBefore: readonly string[], word: string, ctx: CompletionContext): readonly string[];
}

export interface CompletionContext {
  readonly state: SessionState;
  readonly vfs: VirtualFs;
  readonly permissions: ShellPermissions;
  readonly configAliases: Readonly<Record<string, string>>;
}

export function permitted(cmd: { permission?: keyof ShellPermissions }, permissions: ShellPermissions): boolean {
  return cmd.permission === undefined || permissions[cmd.permission];
}
