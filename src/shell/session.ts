/**
 * One restricted-shell session over a pair of streams: the editor and the commands wired
 * together, with or without a pty. It knows nothing of SSH (ssh-adapter.ts maps channel requests
 * onto it), so integration tests drive it over PassThrough streams.
 *
 * Input is always consumed as it arrives (the original deadlocked after ~100 commands when its
 * channel queue filled): keys typed during a command wait in the editor, bounded; output is
 * flushed after each command, waiting for 'drain' when the client reads slowly.
 */
import type { Readable, Writable } from 'node:stream';
import type { Clock } from '../clock.js';
import { palette } from './ansi.js';
import { EXIT, type CommandContext, type CompletionContext, type SessionState } from './commands/types.js';
import { commandsFor, completeCommandLine, runCommandLine } from './dispatch.js';
import { LineEditor, type EditorResult } from './editor.js';
import { TerminalOutput } from './output.js';
import type { ShellPort, ShellServerInfo, ShellSessionInfo } from './port.js';
import { buildPrompt, idleNotice, renderLoginMotd, shellEnvironment, systemMessage } from './session-text.js';
import type { ShellSettings } from './settings.js';
import { LineQueue, LineReader } from './line-reader.js';
import { createVirtualFs, type VirtualFs } from './vfs.js';
import { abortableSleep, IdleWatch, realTimers, type Timers } from './idle.js';

export type { Timers } from './idle.js';

export interface PtyInfo {
  readonly term: string;
  readonly cols: number;
  readonly rows: number;
}

export interface ShellSessionOptions {
  readonly info: ShellSessionInfo;
  readonly server: ShellServerInfo;
  readonly port: ShellPort;
  readonly settings: ShellSettings;
  readonly clock: Clock;
  /** stdout of the channel. */
  readonly output: Writable;
  /** stderr of the channel; without a pty, error messages go here. Defaults to `output`. */
  readonly stderr?: Writable | undefined;
  /** Present when the client asked for a pty: raw mode, line editor, `\r\n`, colours. */
  readonly pty?: PtyInfo | undefined;
  readonly timers?: Timers | undefined;
}

export class ShellSession {
  readonly #o: ShellSessionOptions;
  readonly #out: TerminalOutput;
  readonly #err: TerminalOutput;
  readonly #vfs: VirtualFs;
  readonly #timers: Timers;
  readonly #state: SessionState;
  #pty: PtyInfo | undefined;
  #editor: LineEditor | undefined;
  #command: AbortController | undefined;
  #ended = false;
  #exitCode: number = EXIT.OK;
  #lastStatus: number = EXIT.OK;
  #exitRequested: number | undefined;
  #resolveEnd: ((code: number) => void) | undefined;
  readonly #idle: IdleWatch;

  constructor(options: ShellSessionOptions) {
    this.#o = options;
    this.#pty = options.pty;
    this.#out = new TerminalOutput(options.output, options.pty !== undefined);
    this.#err = options.pty || !options.stderr ? this.#out : new TerminalOutput(options.stderr, false);
    this.#timers = options.timers ?? realTimers;
    this.#vfs = createVirtualFs({ username: options.info.user.username, hostname: options.settings.hostname, version: options.server.version });
    this.#state = { cwd: this.#vfs.home, bookmarks: new Map(), aliases: new Map(), history: [] };
    this.#idle = new IdleWatch({
      timers: this.#timers,
      timeoutSecs: options.settings.idleTimeoutSecs,
      warnSecs: options.info.user.idleWarningSecs,
      onWarn: (left) => this.#printAbove(systemMessage(idleNotice(left), 'Idle', this.#colors())),
      onTimeout: (secs) => {
        this.#printAbove(systemMessage(`Idle for ${secs}s: disconnecting.`, 'Idle', this.#colors()), true);
        this.#finish(EXIT.ERROR);
      },
    });
  }

  get ended(): boolean { return this.#ended; }
  get cwd(): string { return this.#state.cwd; }

  /** Run one command line without a prompt (SSH exec); resolves with its exit status. */
  async exec(commandLine: string): Promise<number> {
    // With the stored history too: `ssh host history` and `ssh host "show history"` list it.
    await this.#loadUserState();
    const status = await this.#runLine(commandLine, false);
    await Promise.all([this.#out.flush(), this.#err.flush()]);
    this.#ended = true;
    return this.#exitRequested ?? status;
  }

  /**
   * The interactive shell: MOTD, prompt, commands until exit, Ctrl-D, end of input, a kick or
   * the idle timeout. Resolves with the exit status to send back.
   */
  async run(input: Readable): Promise<number> {
    const ended = new Promise<number>((resolve) => { this.#resolveEnd = resolve; });
    const pending: Buffer[] = [];
    let ready = false;
    let reader: LineReader | undefined;
    let queue: LineQueue | undefined;
    // Attach at once so input is consumed from the first byte, even while the MOTD is prepared.
    input.on('data', (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (!ready) { if (pending.length < 1024) pending.push(buf); return; }
      this.#onInput(buf, reader);
    });
    input.on('end', () => { if (ready) this.#onInputEnd(reader, queue); else pending.push(Buffer.alloc(0)); });
    input.on('error', () => this.#finish(EXIT.ERROR));
    input.on('close', () => this.#onInputEnd(reader, queue));

    await this.#loadUserState();
    if (this.#ended) return ended;
    const colors = this.#colors();
    this.#out.write(await renderLoginMotd(this.#o, colors));
    if (this.#pty) {
      this.#editor = new LineEditor({
        prompt: this.#prompt(),
        columns: this.#pty.cols,
        history: this.#state.history,
        historyMax: this.#o.settings.historyMax,
        complete: this.#o.settings.autocomplete ? (before) => completeCommandLine(before, this.#completion()) : undefined,
      });
      this.#state.history = this.#editor.history;
      this.#showEditor(this.#editor.resume());
    } else {
      const lines = new LineQueue(input, (line) => this.#runQueued(line), () => this.#finish(this.#lastStatus));
      queue = lines;
      reader = new LineReader((line) => lines.push(line), (msg) => this.#err.write(`sks5: ${msg}\n`));
      // Without a pty there is no editor to draw the prompt, but a client driving the channel by
      // hand (paramiko's invoke_shell, `ssh -T`) waits for one before typing, as with the original.
      this.#out.write(this.#prompt());
    }
    ready = true;
    this.#armIdle();
    for (const buf of pending) {
      if (buf.length === 0) this.#onInputEnd(reader, queue);
      else this.#onInput(buf, reader);
    }
    return ended;
  }

  /** window-change: later redraws wrap at the new width. */
  resize(cols: number, rows: number): void {
    if (!this.#pty) return;
    this.#pty = { ...this.#pty, cols, rows };
    this.#editor?.setColumns(cols);
  }

  /** A broadcast from the API: printed above the line being typed, which is then redrawn. */
  notify(message: string): void {
    if (this.#ended) return;
    this.#printAbove(systemMessage(message, 'Broadcast', this.#colors()));
  }

  /** Kicked from the API: print why and end the session (the adapter then closes the channel). */
  kick(message: string): void {
    if (this.#ended) return;
    this.#printAbove(systemMessage(message || 'Kicked by administrator.', 'Disconnected', this.#colors()), true);
    this.#finish(EXIT.ERROR);
  }

  /** Ctrl-C as an SSH `signal` request, or from the editor while a command runs. */
  interrupt(): void {
    this.#command?.abort();
  }

  /** The channel is gone: stop timers and any running command; nothing more is written. */
  close(): void {
    this.#finish(this.#exitCode);
  }

  #colors(): boolean {
    return this.#pty !== undefined && this.#o.info.user.colors;
  }

  #prompt(): string {
    return buildPrompt(this.#o.settings, this.#o.info.user.username, this.#vfs.display(this.#state.cwd), this.#colors());
  }

  #completion(): CompletionContext {
    const user = this.#o.info.user;
    return { state: this.#state, vfs: this.#vfs, permissions: user.shellPermissions, configAliases: user.aliases };
  }

  async #loadUserState(): Promise<void> {
    const { store } = this.#o.port;
    const name = this.#o.info.user.username;
    // A store that fails must not keep the user out of their shell: start empty instead.
    const safe = async <T>(fn: () => T | Promise<T>, fallback: T): Promise<T> => { try { return await fn(); } catch { return fallback; } };
    const [history, bookmarks, aliases] = await Promise.all([
      safe(() => store.getHistory(name), []),
      safe(() => store.listBookmarks(name), {}),
      safe(() => store.listAliases?.(name) ?? {}, {}),
    ]);
    this.#state.history = history.slice(-this.#o.settings.historyMax);
    for (const [k, v] of Object.entries(bookmarks)) this.#state.bookmarks.set(k, v);
    for (const [k, v] of Object.entries(aliases)) this.#state.aliases.set(k, v);
  }

  #onInput(buf: Buffer, reader: LineReader | undefined): void {
    if (this.#ended) return;
    this.#armIdle();
    if (reader) { reader.feed(buf); return; }
    const editor = this.#editor;
    if (!editor) return;
    // Ctrl-C while a command runs stops it and, like a tty's INTR, drops what was typed ahead.
    if (this.#command && buf.includes(0x03)) {
      this.#command.abort();
      editor.discardPending();
      return;
    }
    this.#showEditor(editor.feed(buf));
  }

  #onInputEnd(reader: LineReader | undefined, queue: LineQueue | undefined): void {
    if (reader && queue) { reader.end(); queue.push(undefined); return; }
    this.#finish(this.#lastStatus);
  }

  #showEditor(r: EditorResult): void {
    this.#out.writeRaw(r.output);
    for (const ev of r.events) void this.#onEditorEvent(ev);
  }

  async #onEditorEvent(ev: { type: 'line'; line: string } | { type: 'eof' }): Promise<void> {
    if (ev.type === 'eof') {
      this.#out.write('logout\n');
      this.#finish(this.#lastStatus);
      return;
    }
    if (ev.line.trim() !== '') void this.#appendHistory(ev.line.trimEnd());
    await this.#runLine(ev.line, true);
    await this.#out.settle();
    if (this.#ended) return;
    if (this.#exitRequested !== undefined) { this.#finish(this.#exitRequested); return; }
    this.#armIdle();
    this.#editor!.setPrompt(this.#prompt());
    this.#showEditor(this.#editor!.resume());
  }

  /** No pty: one queued line; false stops the queue (exit requested, session ended). */
  async #runQueued(line: string): Promise<boolean> {
    if (this.#ended) return false;
    if (line.trim() !== '') void this.#appendHistory(line.trimEnd());
    await this.#runLine(line, true);
    await Promise.all([this.#out.settle(), this.#err.settle()]);
    if (this.#exitRequested !== undefined) { this.#finish(this.#exitRequested); return false; }
    if (this.#ended) return false;
    this.#out.write(this.#prompt());
    this.#armIdle();
    return true;
  }

  async #appendHistory(line: string): Promise<void> {
    if (!this.#editor) this.#state.history = [...this.#state.history, line].slice(-this.#o.settings.historyMax);
    try { await this.#o.port.store.appendHistory(this.#o.info.user.username, line); } catch { /* history is best effort */ }
  }

  async #runLine(line: string, interactive: boolean): Promise<number> {
    const controller = new AbortController();
    this.#command = controller;
    this.#idle.disarm();
    try {
      const status = await runCommandLine(line, this.#context(controller.signal, interactive));
      // Interrupted (Ctrl-C, SSH signal INT): 130, as a shell reports a command killed by SIGINT.
      this.#lastStatus = controller.signal.aborted && !this.#ended ? EXIT.INTERRUPTED : status;
      if (controller.signal.aborted && this.#pty && !this.#ended) this.#out.write('^C\n');
      return this.#lastStatus;
    } finally {
      this.#command = undefined;
    }
  }

  #context(signal: AbortSignal, interactive: boolean): CommandContext {
    const o = this.#o;
    return {
      session: o.info,
      server: o.server,
      settings: o.settings,
      port: o.port,
      clock: o.clock,
      vfs: this.#vfs,
      color: palette(this.#colors()),
      signal,
      interactive,
      state: this.#state,
      env: shellEnvironment(o, this.#state.cwd, this.#pty?.term),
      out: (text) => { if (!this.#ended) this.#out.write(text); },
      err: (text) => { if (!this.#ended) this.#err.write(text); },
      clearScreen: () => { if (this.#pty) this.#out.writeRaw('\x1b[H\x1b[2J'); },
      requestExit: (code) => { this.#exitRequested = code; },
      commands: commandsFor(o.info.user.shellPermissions),
      sleep: (ms) => abortableSleep(this.#timers, signal, ms),
    };
  }

  #printAbove(text: string, last = false): void {
    const crlf = this.#out.crlf ? text.replace(/\r?\n/g, '\r\n') : text;
    this.#out.writeRaw(this.#editor ? this.#editor.printAbove(crlf, !last) : crlf);
  }

  #armIdle(): void {
    if (!this.#ended && !this.#command) this.#idle.arm();
  }

  #finish(code: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#exitCode = code;
    this.#idle.disarm();
    this.#command?.abort();
    const resolve = this.#resolveEnd;
    // Let queued output reach the client before the adapter sends exit-status and closes.
    void Promise.all([this.#out.flush(), this.#err.flush()]).then(() => resolve?.(code));
  }
}
