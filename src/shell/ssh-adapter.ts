/**
 * One SSH session channel -> the restricted shell. The SSH layer accepts the `session` channel
 * and hands the ssh2 Session here; this module answers every request on it:
 *
 *   pty-req        accepted once, before shell/exec (size kept for line wrapping)
 *   window-change  resize the editor
 *   env            accepted and ignored (nothing here reads the environment)
 *   signal         INT interrupts the running command
 *   shell          the interactive shell, or a message + exit 1 when allow_shell = false
 *   exec           one of the shell's own commands; its exit status is returned
 *   subsystem/sftp, x11, auth-agent, a second shell/exec: refused
 *
 * Every accepted channel stream is read from the start (an unread channel stops the peer's
 * window, which is how the original deadlocked), and ends with exit-status then EOF/close.
 */
import type { Session, ServerChannel, PseudoTtyInfo, WindowChangeInfo, SignalInfo, ExecInfo } from 'ssh2';
import type { Clock } from '../clock.js';
import type { ShellPort, ShellServerInfo, ShellSessionInfo } from './port.js';
import { ShellSession, type PtyInfo, type Timers } from './session.js';
import type { ShellSettings } from './settings.js';
import { MAX_LINE_BYTES } from './tokenizer.js';

export interface ShellChannelDeps {
  /** Who is on this SSH connection (after auth). */
  readonly info: ShellSessionInfo;
  readonly server: ShellServerInfo;
  readonly port: ShellPort;
  /** The settings snapshot of the config this connection started with. */
  readonly settings: ShellSettings;
  readonly clock: Clock;
  readonly timers?: Timers | undefined;
}

/** What the server keeps per open shell channel, to deliver API broadcasts and kicks. */
export interface ShellChannelHandle {
  readonly username: string;
  /** Print a message in the open shell (no-op before a shell/exec starts or after it ended). */
  notify(message: string): void;
  /** Print the message and end the shell; the channel closes with exit status 1. */
  kick(message: string): void;
  /** Resolves when the channel is closed, whatever the reason. */
  readonly closed: Promise<void>;
}

type Reply = (() => void) | undefined;

export const SHELL_DISABLED_MESSAGE = 'Shell access is disabled for this account. Use ssh -N with -D or -L for forwarding.';

export function runShellChannel(session: Session, deps: ShellChannelDeps): ShellChannelHandle {
  let pty: PtyInfo | undefined;
  let shell: ShellSession | undefined;
  let started = false;
  let kicked: string | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => { resolveClosed = resolve; });

  // ssh2 passes no accept/reject when the client did not ask for a reply.
  const ok = (accept: Reply): void => { accept?.(); };
  const no = (reject: Reply): void => { reject?.(); };

  const finishStream = (stream: ServerChannel, code: number): void => {
    if (stream.destroyed) return;
    try {
      stream.exit(code);
      stream.end();
    } catch {
      /* the client already closed the channel */
    }
  };

  const refuseShell = (stream: ServerChannel, message: string): void => {
    stream.on('data', () => {});
    const text = message + (pty ? '\r\n' : '\n');
    (pty ? stream : stream.stderr).write(text);
    finishStream(stream, 1);
  };

  const open = (stream: ServerChannel): ShellSession => {
    const s = new ShellSession({
      info: deps.info, server: deps.server, port: deps.port, settings: deps.settings, clock: deps.clock,
      output: stream, stderr: stream.stderr, pty, timers: deps.timers,
    });
    stream.on('close', () => s.close());
    stream.on('error', () => s.close());
    shell = s;
    return s;
  };

  session.on('pty', (accept: Reply, reject: Reply, info: PseudoTtyInfo) => {
    if (started) { no(reject); return; }
    pty = { term: String(info.term ?? 'dumb').slice(0, 64), cols: sane(info.cols, 80), rows: sane(info.rows, 24) };
    ok(accept);
  });

  session.on('window-change', (accept: Reply, _reject: Reply, info: WindowChangeInfo) => {
    const cols = sane(info.cols, pty?.cols ?? 80);
    const rows = sane(info.rows, pty?.rows ?? 24);
    if (pty) pty = { ...pty, cols, rows };
    shell?.resize(cols, rows);
    ok(accept);
  });

  session.on('env', (accept: Reply) => ok(accept));

  session.on('signal', (accept: Reply, _reject: Reply, info: SignalInfo) => {
    if (info.name === 'INT' || info.name === 'SIGINT') shell?.interrupt();
    ok(accept);
  });

  session.on('shell', (accept: () => ServerChannel, reject: Reply) => {
    if (started || kicked !== undefined) { no(reject); return; }
    started = true;
    const stream = accept();
    if (!deps.info.user.allowShell) { refuseShell(stream, SHELL_DISABLED_MESSAGE); return; }
    const s = open(stream);
    void s.run(stream).then((code) => finishStream(stream, code));
  });

  session.on('exec', (accept: () => ServerChannel, reject: Reply, info: ExecInfo) => {
    if (started || kicked !== undefined) { no(reject); return; }
    started = true;
    const stream = accept();
    if (!deps.info.user.allowShell) { refuseShell(stream, SHELL_DISABLED_MESSAGE); return; }
    const command = String(info.command ?? '');
    if (Buffer.byteLength(command) > MAX_LINE_BYTES) { refuseShell(stream, `sks5: command too long (max ${MAX_LINE_BYTES} bytes)`); return; }
    // exec reads no input, but the stream must still be drained or the peer's window fills.
    stream.on('data', () => {});
    const s = open(stream);
    void s.exec(command).then((code) => finishStream(stream, code), () => finishStream(stream, 1));
  });

  for (const refused of ['subsystem', 'sftp', 'x11', 'auth-agent']) {
    session.on(refused, (_accept: Reply, reject: Reply) => no(reject));
  }

  session.on('close', () => {
    shell?.close();
    resolveClosed();
  });

  return {
    username: deps.info.user.username,
    notify: (message) => shell?.notify(message),
    kick: (message) => {
      kicked = message;
      shell?.kick(message);
    },
    closed,
  };
}

function sane(n: unknown, fallback: number): number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 10000 ? n : fallback;
}
