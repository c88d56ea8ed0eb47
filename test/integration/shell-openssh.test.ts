/**
 * The real OpenSSH client against runShellChannel behind an in-process ssh2 server (loopback):
 * `ssh -tt` inside a private tmux server for the interactive checks (typing, tab completion,
 * history, Ctrl-C, Ctrl-D, resize), plain `ssh host cmd` for exec. The e2e tests do the same
 * through `bin/sks5`; this one pins the shell's behaviour with the real client on its own.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { runShellChannel } from '../../src/shell/ssh-adapter.js';
import { fakeClock, fakePort, makeInfo, makeSettings, makeUser, SERVER } from '../unit/shell/shell-fixtures.js';
import type { EffectiveUser } from '../../src/config/users.js';

const { Server, utils } = ssh2;
const HOST_KEY = utils.generateKeyPairSync('ed25519').private;
const SSH_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
  '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'ConnectTimeout=20'];

async function startServer(t: TestContext, users: Record<string, EffectiveUser>): Promise<number> {
  const settings = makeSettings({ shell: { hostname: 'bastion' }, motd: { template: 'MOTD for {user}' } });
  const server = new Server({ hostKeys: [HOST_KEY] }, (client) => {
    let name = '';
    client.on('authentication', (ctx) => {
      name = ctx.username;
      if (ctx.method === 'password' && ctx.password === 'pw' && users[name]) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        runShellChannel(accept(), { info: makeInfo(users[name]!), server: SERVER, port: fakePort(), settings, clock: fakeClock() });
      });
    });
    client.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => { server.close(); });
  return (server.address() as AddressInfo).port;
}

function sshExec(port: number, user: string, command: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('sshpass', ['-p', 'pw', 'ssh', ...SSH_OPTS, '-p', String(port), `${user}@127.0.0.1`, command], { timeout: 60_000 }, (err, out, errText) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, out, err: errText });
    });
  });
}

class Tmux {
  readonly #sock: string;
  constructor(dir: string) { this.#sock = join(dir, 'tmux.sock'); }
  run(...args: string[]): string {
    return execFileSync('tmux', ['-u', '-S', this.#sock, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
  }
  screen(): string { return this.run('capture-pane', '-p', '-J', '-t', 'sh'); }
  keys(...keys: string[]): void { this.run('send-keys', '-t', 'sh', ...keys); }
  async waitFor(pattern: RegExp, what: string): Promise<string> {
    let screen = '';
    for (let i = 0; i < 300; i++) {
      screen = this.screen();
      if (pattern.test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
  }
  kill(): void { try { this.run('kill-server'); } catch { /* already gone */ } }
}

test('ssh -tt through tmux: prompt, typing, tab completion, history, Ctrl-C, resize, Ctrl-D', async (t) => {
  const port = await startServer(t, { alice: makeUser() });
  const dir = mkdtempSync(join(tmpdir(), 'sks5-shell-tmux-'));
  const tmux = new Tmux(dir);
  t.after(() => { tmux.kill(); rmSync(dir, { recursive: true, force: true }); });
  const cmd = ['sshpass', '-p', 'pw', 'ssh', '-tt', ...SSH_OPTS, '-p', String(port), 'alice@127.0.0.1'].join(' ');
  tmux.run('new-session', '-d', '-s', 'sh', '-x', '100', '-y', '30', `${cmd}; echo "SSH-EXIT=$?"; sleep 30`);
  await tmux.waitFor(/MOTD for alice[\s\S]*alice@bastion:~\$ $/m, 'MOTD and prompt');

  tmux.keys('whoami', 'Enter');
  await tmux.waitFor(/^alice$/m, 'whoami output');

  tmux.keys('sho', 'Tab');
  await tmux.waitFor(/\$ show $/m, 'command completion');
  tmux.keys('sta', 'Tab');
  await tmux.waitFor(/\$ show status $/m, 'argument completion');
  tmux.keys('Enter');
  await tmux.waitFor(/^User: +alice$/m, 'show status output');

  tmux.keys('Up', 'Up', 'Enter');
  await tmux.waitFor(/\$ whoami\nalice\n[\s\S]*\$ whoami\nalice\n/m, 'history recall runs whoami again');

  tmux.keys('echo abandoned', 'C-c');
  await tmux.waitFor(/\$ echo abandoned\^C\nalice@bastion:~\$ $/m, 'Ctrl-C abandons the line');

  // Delete the space before 世 with two Lefts and Backspace, then insert X after "hé" from Home.
  tmux.keys('echo héllo 世界', 'Left', 'Left', 'BSpace', 'Home', ...Array<string>(7).fill('Right'), 'X', 'Enter');
  await tmux.waitFor(/^héXllo世界$/m, 'UTF-8 editing with cursor keys');

  tmux.keys('bash', 'Enter');
  await tmux.waitFor(/^bash: not permitted in this restricted shell$/m, 'blocked command');

  tmux.run('resize-window', '-t', 'sh', '-x', '40', '-y', '20');
  tmux.keys(`echo ${'w'.repeat(60)}`, 'Enter');
  await tmux.waitFor(new RegExp(`^${'w'.repeat(60)}$`, 'm'), 'a wrapped line after resize still runs');

  tmux.keys('C-d');
  await tmux.waitFor(/logout[\s\S]*SSH-EXIT=0/, 'Ctrl-D logs out with status 0');
});

test('ssh host cmd without a pty: output, exit statuses, refused programs, allow_shell = false', async (t) => {
  const port = await startServer(t, { alice: makeUser(), nosh: makeUser({ username: 'nosh', allow_shell: false }) });
  const status = await sshExec(port, 'alice', 'show status');
  assert.equal(status.code, 0);
  assert.match(status.out, /^User: +alice$/m);
  assert.doesNotMatch(status.out, /\x1b|\r/, 'no colours and no CR without a pty');
  assert.deepEqual(await sshExec(port, 'alice', 'echo "a  b"'), { code: 0, out: 'a  b\n', err: '' });
  const bash = await sshExec(port, 'alice', 'bash');
  assert.equal(bash.code, 126);
  assert.equal(bash.err, 'bash: not permitted in this restricted shell\n');
  assert.equal((await sshExec(port, 'alice', 'frob')).code, 127);
  assert.equal((await sshExec(port, 'alice', 'exit 9')).code, 9);
  const denied = await sshExec(port, 'nosh', 'whoami');
  assert.equal(denied.code, 1);
  assert.match(denied.err, /Shell access is disabled for this account/);
});
