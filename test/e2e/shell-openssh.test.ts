/**
 * The restricted shell of the built CLI (`bin/sks5 --config x.toml`), driven by stock OpenSSH:
 * `ssh -tt` inside a private tmux server for the interactive shell (typing, tab completion,
 * history, Ctrl-C, Ctrl-D), and `ssh user@host <command>` for exec with real exit statuses.
 * `test host:port` goes through the server's real pipeline (ACL, then a real TCP connect).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSks5, testHash, type Sks5Process } from '../helpers/sks5-process.js';

const SSH_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
  '-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'PubkeyAuthentication=no', '-o', 'ConnectTimeout=20'];

let dir: string;
let srv: Sks5Process;
let target: Server;
let targetPort: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sks5-e2e-shell-'));
  target = createServer((s) => s.end());
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  targetPort = (target.address() as { port: number }).port;
  const hash = await testHash('pw');
  srv = await startSks5(undefined, `
[server]
ssh_listen = "127.0.0.1:0"
shutdown_timeout = 1

[shell]
hostname = "e2e-bastion"

[motd]
template = "Hello {user}, role {role}"

[security]
ip_guard_enabled = false
ban_enabled = false

[[users]]
username = "alice"
password_hash = "${hash}"
[users.acl]
deny = ["10.0.0.0/8:*"]

[[users]]
username = "limited"
password_hash = "${hash}"
[users.shell_permissions]
show_acl = false
test_command = false

[[users]]
username = "nosh"
password_hash = "${hash}"
allow_shell = false
`, { expect: ['ssh'], dir: mkdtempSync(join(dir, 'srv-')) });
});

after(async () => {
  await srv?.stop();
  await new Promise<void>((r) => target.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function ssh(user: string, command: string, extra: readonly string[] = []): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('sshpass', ['-p', 'pw', 'ssh', ...extra, ...SSH_OPTS, '-p', String(srv.ssh!.port), `${user}@127.0.0.1`, command], { timeout: 60_000 }, (err, out, errText) => {
      const c = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof c === 'number' ? c : -1) : 0, out, err: errText });
    });
  });
}

test('exec without a pty: show status prints and exits 0, plain text', async () => {
  const r = await ssh('alice', 'show status');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^User: +alice$/m);
  assert.doesNotMatch(r.out, /\x1b|\r/);
});

test('exec exit statuses: 127 unknown, 126 refused program, 126 permission off, 1 error', async () => {
  const unknown = await ssh('alice', 'frobnicate');
  assert.equal(unknown.code, 127);
  assert.match(unknown.err, /frobnicate: command not found/);
  const bash = await ssh('alice', 'bash');
  assert.equal(bash.code, 126);
  assert.notEqual(bash.err, '');
  const acl = await ssh('limited', 'show acl');
  assert.equal(acl.code, 126);
  assert.match(acl.err, /Permission denied: show acl/);
  const cat = await ssh('alice', 'cat /etc/shadow');
  assert.equal(cat.code, 1);
});

test('test host:port goes through the real ACL and a real TCP connect', async () => {
  const ok = await ssh('alice', `test 127.0.0.1:${targetPort}`);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /policy: +ALLOWED/);
  assert.match(ok.out, /connect: OK in \d+ ms/);
  const denied = await ssh('alice', 'test 10.1.2.3:80');
  assert.equal(denied.code, 1);
  assert.match(denied.out, /policy: +DENIED/);
  assert.match(denied.out, /10\.0\.0\.0\/8/);
});

test('allow_shell = false: the shell is refused with a message', async () => {
  // OpenSSH prints "open failed: ..." at INFO level; its first -o for an option wins.
  const r = await ssh('nosh', 'whoami', ['-o', 'LogLevel=INFO']);
  assert.notEqual(r.code, 0);
  assert.match(r.err + r.out, /shell/i);
  assert.doesNotMatch(r.out, /^nosh$/m);
});

test('ssh -tt through tmux: MOTD, prompt, tab completion, history, Ctrl-C, blocked program, Ctrl-D', async (t) => {
  const sock = join(dir, 'tmux.sock');
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-u', '-S', sock, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
  t.after(() => { try { tmux('kill-server'); } catch { /* gone */ } });
  const screen = (): string => tmux('capture-pane', '-p', '-J', '-t', 'sh');
  let last = '';
  const waitFor = async (re: RegExp, what: string): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      try { last = screen(); } catch { /* the pane is gone; report the last screen */ }
      if (re.test(last)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}; screen:\n${last}`);
  };
  const cmd = ['sshpass', '-p', 'pw', 'ssh', '-tt', ...SSH_OPTS, '-p', String(srv.ssh!.port), 'alice@127.0.0.1'].join(' ');
  tmux('new-session', '-d', '-s', 'sh', '-x', '100', '-y', '30', `${cmd}; echo "SSH-EXIT=$?"; sleep 30`);
  await waitFor(/Hello alice, role user[\s\S]*alice@e2e-bastion:~\$ $/m, 'MOTD and prompt');
  tmux('send-keys', '-t', 'sh', 'whoa', 'Tab', 'Enter');
  await waitFor(/\$ whoami\s*\nalice$/m, 'tab-completed whoami');
  tmux('send-keys', '-t', 'sh', 'show st', 'Tab', 'Enter');
  await waitFor(/^User: +alice$/m, 'show status');
  tmux('send-keys', '-t', 'sh', 'Up', 'Up', 'Enter');
  await waitFor(/\$ whoami\s*\nalice\n[\s\S]*\$ whoami\s*\nalice\n/m, 'history recall');
  tmux('send-keys', '-t', 'sh', 'echo nope', 'C-c');
  await waitFor(/\$ echo nope\^C\nalice@e2e-bastion:~\$ $/m, 'Ctrl-C');
  tmux('send-keys', '-t', 'sh', 'sudo -i', 'Enter');
  await waitFor(/^sudo: not permitted in this restricted shell$/m, 'blocked program');
  tmux('send-keys', '-t', 'sh', 'C-d');
  // Like bash, logging out with Ctrl-D returns the last command's status: sudo's 126.
  await waitFor(/logout[\s\S]*SSH-EXIT=126/, 'Ctrl-D logs out with the last status');
});
