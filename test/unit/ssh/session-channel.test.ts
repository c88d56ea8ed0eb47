import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { AcceptConnection, ServerChannel, Session } from 'ssh2';
import { UNRESTRICTED, type KeyRestrictions } from '../../../src/auth/key-options.js';
import type { EffectiveUser } from '../../../src/config/users.js';
import type { AuthedSession } from '../../../src/pipeline/types.js';
import { handleSession, NO_SHELL_NOTICE, type ShellBackend } from '../../../src/ssh/session-channel.js';

class FakeChannel extends EventEmitter {
  out = '';
  err = '';
  status: number | undefined;
  ended = false;
  stderr = { write: (s: string) => { this.err += s; return true; } };
  write(s: string): boolean { this.out += s; return true; }
  exit(code: number): void { this.status = code; }
  end(): void { this.ended = true; }
}

function open(opts: { allowShell?: boolean; restrictions?: KeyRestrictions; backend?: ShellBackend } = {}) {
  const session = new EventEmitter();
  const refused: string[] = [];
  const authed = { client: { connId: 'x' }, user: { username: 'alice', allowShell: opts.allowShell ?? true } as EffectiveUser, method: 'password' } as unknown as AuthedSession;
  handleSession((() => session) as unknown as AcceptConnection<Session>, (_r, d) => refused.push(d), {
    session: authed, restrictions: opts.restrictions ?? UNRESTRICTED, backend: opts.backend,
  });
  const replies: string[] = [];
  const request = (event: string, info?: unknown): FakeChannel => {
    const ch = new FakeChannel();
    session.emit(event, () => (event === 'shell' || event === 'exec' || event === 'subsystem' ? (ch as unknown as ServerChannel) : replies.push(`${event}:ok`)), () => replies.push(`${event}:no`), info);
    return ch;
  };
  return { refused, request, replies };
}

test('allow_shell = false refuses the channel open with the reason', () => {
  assert.deepEqual(open({ allowShell: false }).refused, ['shell access is disabled for this account']);
});

test('no backend: shell prints the notice and exits 0; exec of an emulator command exits 127', () => {
  const s = open();
  s.request('pty', { cols: 80, rows: 24 });
  s.request('env', { key: 'LANG', val: 'C' });
  const sh = s.request('shell');
  assert.match(sh.out, new RegExp(NO_SHELL_NOTICE.replace(/[()/]/g, '.')));
  assert.deepEqual([sh.status, sh.ended], [0, true]);
  const ex = open().request('exec', { command: 'show status' });
  assert.equal(ex.status, 127);
  assert.deepEqual(s.replies, ['pty:ok', 'env:ok']);
});

test('exec of real programs and subsystems are refused with a message and a non-zero status', () => {
  const bash = open().request('exec', { command: 'bash -i' });
  assert.equal(bash.status, 126);
  assert.match(bash.err, /bash: command not found/);
  const sftp = open().request('subsystem', { name: 'sftp' });
  assert.equal(sftp.status, 1);
  assert.match(sftp.err, /sftp is not available/);
  const other = open().request('subsystem', { name: 'netconf' });
  assert.match(other.err, /subsystem "netconf" is not available/);
});

test('forced command (command= / force-command) refuses shell and exec; no-pty refuses the pty', () => {
  const forced = open({ restrictions: { ...UNRESTRICTED, forcedCommand: '/bin/true' } });
  assert.equal(forced.request('exec', { command: 'help' }).status, 126);
  const s = open({ restrictions: { ...UNRESTRICTED, pty: false } });
  s.request('pty', { cols: 80, rows: 24 });
  assert.deepEqual(s.replies, ['pty:no']);
  const sh = s.request('shell');
  assert.match(sh.err, /no-pty/);
});

test('agent and X11 requests are refused and explained on stderr once a channel starts', () => {
  const s = open();
  s.request('auth-agent');
  s.request('x11', {});
  const ex = s.request('exec', { command: 'help' });
  assert.deepEqual(s.replies, ['auth-agent:no', 'x11:no']);
  assert.match(ex.err, /agent forwarding is not available/);
  assert.match(ex.err, /X11 forwarding is not available/);
});

test('a backend gets shell and exec with the terminal and its resizes; its status is sent', async () => {
  const seen: string[] = [];
  const backend: ShellBackend = {
    shell: async (_ch, req) => { req.onResize((t) => seen.push(`resize ${t.cols}x${t.rows}`)); seen.push(`shell ${req.terminal?.cols}x${req.terminal?.rows}`); return 0; },
    exec: async (_ch, command) => { seen.push(`exec ${command}`); return 3; },
  };
  const s = open({ backend });
  s.request('pty', { cols: 100, rows: 30 });
  const sh = s.request('shell');
  s.request('window-change', { cols: 120, rows: 40 });
  const ex = open({ backend }).request('exec', { command: 'show quota' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['shell 100x30', 'resize 120x40', 'exec show quota']);
  assert.equal(sh.status, 0);
  assert.equal(ex.status, 3);
});
