/**
 * The SSH "session" channel: what `ssh bastion` (shell) and `ssh bastion cmd` (exec) open.
 * This file decides what is allowed and refused; the shell emulator (src/shell/) plugs in as a
 * `ShellBackend`. Without a backend, shell and exec print a one-line notice and exit, so a
 * forwarding-only deployment still answers cleanly.
 *
 * Accepted: pty-req (unless the key says no-pty), env (ignored: nothing is spawned),
 * window-change. Refused with a message: sftp and other subsystems, exec of real programs
 * (bash, scp, rsync, nc, ...), agent and X11 forwarding, any session when the key carries a
 * forced command.
 */
import type { AcceptConnection, PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import type { AuthedSession } from '../pipeline/types.js';
import type { KeyRestrictions } from '../auth/key-options.js';
import { REFUSAL, execRefusal } from './refusals.js';
import type { ErrorCode } from '../errors.js';

export interface TerminalState {
  term: string;
  cols: number;
  rows: number;
}

export interface ShellRequest {
  readonly session: AuthedSession;
  /** Present when the client asked for a pty. */
  readonly terminal: TerminalState | undefined;
  onResize(listener: (t: TerminalState) => void): void;
}

/** The shell emulator's entry points; each resolves with the exit status to send. */
export interface ShellBackend {
  shell(channel: ServerChannel, req: ShellRequest): Promise<number>;
  exec(channel: ServerChannel, command: string, req: ShellRequest): Promise<number>;
}

export interface SessionChannelContext {
  readonly session: AuthedSession;
  readonly restrictions: KeyRestrictions;
  readonly backend?: ShellBackend | undefined;
  /** Called with every accepted shell/exec channel (kick notices, registry bookkeeping). */
  readonly onChannel?: ((channel: ServerChannel) => void) | undefined;
  readonly log?: { warn(obj: object, msg: string): void } | undefined;
}

export const NO_SHELL_NOTICE = 'sks5: this bastion only forwards ports (ssh -D / ssh -L); there is no interactive shell yet.';
const EXIT_REFUSED = 126;
const EXIT_UNAVAILABLE = 127;

/** Write a line, send exit-status and close, the order OpenSSH clients expect. */
function finish(channel: ServerChannel, status: number, stderrLine?: string, stdoutLine?: string): void {
  if (stdoutLine) channel.write(`${stdoutLine}\r\n`);
  if (stderrLine) channel.stderr.write(`${stderrLine}\r\n`);
  channel.exit(status);
  channel.end();
}

/**
 * Handle one session channel open. `refuse` sends CHANNEL_OPEN_FAILURE with a reason the client
 * prints ("open failed: administratively prohibited: shell access is disabled for this account").
 */
export function handleSession(accept: AcceptConnection<Session>, refuse: (code: ErrorCode, description: string) => void, ctx: SessionChannelContext): void {
  if (!ctx.session.user.allowShell) {
    refuse('SKS5_DENY_SHELL', REFUSAL.shellDisabled);
    return;
  }
  const session = accept();
  let terminal: TerminalState | undefined;
  const resizeListeners: ((t: TerminalState) => void)[] = [];
  const notices: string[] = [];
  const request: ShellRequest = {
    session: ctx.session,
    get terminal() { return terminal; },
    onResize: (l) => { resizeListeners.push(l); },
  };
  const started = (channel: ServerChannel): void => {
    // A client that vanishes mid-write makes the channel emit 'error'; the connection's close
    // handler cleans up, an unhandled 'error' would crash the process.
    channel.on('error', () => {});
    ctx.onChannel?.(channel);
    for (const n of notices) channel.stderr.write(`${n}\r\n`);
  };
  const run = (channel: ServerChannel, work: Promise<number>): void => {
    work.then(
      (status) => finish(channel, status),
      (err: unknown) => {
        ctx.log?.warn({ conn_id: ctx.session.client.connId, err: (err as Error).message }, 'shell backend failed');
        finish(channel, 1, 'sks5: internal error');
      },
    );
  };

  session.on('pty', (ok, no, info: PseudoTtyInfo) => {
    if (!ctx.restrictions.pty) {
      notices.push(REFUSAL.noPty);
      no?.();
      return;
    }
    terminal = { term: 'xterm', cols: info.cols, rows: info.rows };
    ok?.();
  });
  session.on('window-change', (ok, _no, info) => {
    if (terminal) {
      terminal = { ...terminal, cols: info.cols, rows: info.rows };
      for (const l of resizeListeners) l(terminal);
    }
    ok?.();
  });
  session.on('env', (ok) => ok?.());
  session.on('auth-agent', (_ok, no) => { notices.push(REFUSAL.agent); no?.(); });
  session.on('x11', (_ok, no) => { notices.push(REFUSAL.x11); no?.(); });
  session.on('signal', (ok) => ok?.());

  session.on('shell', (acceptShell) => {
    const channel = acceptShell();
    if (!channel) return;
    started(channel);
    if (ctx.restrictions.forcedCommand !== undefined) return finish(channel, EXIT_REFUSED, REFUSAL.forcedCommand);
    if (!ctx.backend) return finish(channel, 0, undefined, NO_SHELL_NOTICE);
    run(channel, ctx.backend.shell(channel, request));
  });

  session.on('exec', (acceptExec, _no, info) => {
    const channel = acceptExec();
    if (!channel) return;
    started(channel);
    if (ctx.restrictions.forcedCommand !== undefined) return finish(channel, EXIT_REFUSED, REFUSAL.forcedCommand);
    const refusal = execRefusal(info.command);
    if (refusal) return finish(channel, EXIT_REFUSED, refusal);
    if (!ctx.backend) return finish(channel, EXIT_UNAVAILABLE, `sks5: commands are not available on this bastion yet (${NO_SHELL_NOTICE.slice(6)})`);
    run(channel, ctx.backend.exec(channel, info.command, request));
  });

  // sftp and every other subsystem: accepted only to say why on stderr, then closed with status 1,
  // because a bare channel-request failure shows the user nothing but "subsystem request failed".
  session.on('subsystem', (acceptSub, _no, info) => {
    const channel = acceptSub();
    if (!channel) return;
    started(channel);
    finish(channel, 1, info.name === 'sftp' ? REFUSAL.sftp : REFUSAL.subsystem(info.name));
  });
}
