/**
 * The shell emulator through the built server and the real OpenSSH client: exec without a pty,
 * exit codes, permissions, allow_shell = false, and an interactive session driven through tmux
 * (typing, tab completion, history recall, Ctrl-C, Ctrl-D).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startSks5, testHash } from '../helpers/sks5-process.js';

const run = promisify(execFile);
const BASE_OPTS = ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'PreferredAuthentications=password,keyboard-interactive'];
const SSH_OPTS = [...BASE_OPTS, '-o', 'LogLevel=ERROR'];

async function sshExec(port: number, user: string, cmd: string, quiet = true): Promise<{ code: number; stdout: string; stderr: string }> {
  // Without LogLevel=ERROR the client prints the server's channel-open refusal reason.
  const opts = quiet ? SSH_OPTS : BASE_OPTS;
  try {
    const r = await run('sshpass', ['-p', 'secret', 'ssh', ...opts, '-p', String(port), `${user}@127.0.0.1`, cmd], { timeout: 30000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

async function config(): Promise<string> {
  const h = await testHash('secret');
  return `
[server]
ssh_listen = "127.0.0.1:0"
[shell]
hostname = "bastion"
[security]
ban_enabled = false
[[users]]
username = "alice"
password_hash = "${h}"
[users.aliases]
st = "show status"
[[users]]
username = "bob"
password_hash = "${h}"
allow_shell = false
[[users]]
username = "carol"
password_hash = "${h}"
[users.shell_permissions]
show_acl = false
`;
}

test('exec without a pty: output, exit codes and permissions', async (t) => {
  const srv = await startSks5(t, await config(), { expect: ['ssh'] });
  const port = srv.ssh!.port;
  const status = await sshExec(port, 'alice', 'show status');
  assert.equal(status.code, 0);
  assert.match(status.stdout, /User:\s+alice/);
  assert.doesNotMatch(status.stdout, /\r\n/, 'no pty: plain newlines');
  assert.equal((await sshExec(port, 'alice', 'whoami')).stdout.trim(), 'alice');
  assert.equal((await sshExec(port, 'alice', 'hostname')).stdout.trim(), 'bastion');
  assert.match((await sshExec(port, 'alice', 'st')).stdout, /User:\s+alice/, 'alias from [users.aliases]');
  assert.equal((await sshExec(port, 'alice', 'frobnicate')).code, 127);
  const bash = await sshExec(port, 'alice', 'bash');
  assert.equal(bash.code, 126);
  assert.match(bash.stderr, /bash: command not found \(this bastion does not run programs/);
  const acl = await sshExec(port, 'carol', 'show acl');
  assert.notEqual(acl.code, 0);
  assert.match(acl.stdout + acl.stderr, /permission|not permitted|denied/i);
  const cat = await sshExec(port, 'alice', 'cat /etc/shadow');
  assert.notEqual(cat.code, 0, 'no real file is ever read');
  const bob = await sshExec(port, 'bob', 'show status', false);
  assert.notEqual(bob.code, 0);
  assert.match(bob.stderr, /shell access is disabled|disabled/i);
});

test('interactive shell through tmux: prompt, completion, history, Ctrl-C, Ctrl-D', async (t) => {
  const srv = await startSks5(t, await config(), { expect: ['ssh'] });
  const session = `sks5e2e${process.pid}`;
  const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40',
    `sshpass -p secret ssh ${SSH_OPTS.join(' ')} -tt -p ${srv.ssh!.port} alice@127.0.0.1`);
  t.after(() => { try { tmux('kill-session', '-t', session); } catch { /* already gone */ } });
  const screen = (): string => tmux('capture-pane', '-p', '-t', session);
  const waitFor = async (re: RegExp, what: string): Promise<string> => {
    const deadline = Date.now() + 15000;
    for (;;) {
      const s = screen();
      if (re.test(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const keys = (...k: string[]): void => { tmux('send-keys', '-t', session, ...k); };

  await waitFor(/alice@bastion:~\$\s*$/m, "the prompt");
  keys('who', 'Tab');
  await waitFor(/\$ whoami/, 'tab completion of whoami');
  keys('Enter');
  await waitFor(/^alice$/m, 'whoami output');
  keys('echo one two', 'Enter');
  await waitFor(/^one two$/m, 'echo');
  keys('Up');
  await waitFor(/\$ echo one two\s*$/m, 'history recall');
  keys('C-c');
  await waitFor(/\^C/, 'Ctrl-C');
  keys('C-d');
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    try { tmux('has-session', '-t', session); } catch { return; } // ssh exited: the session closed
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Ctrl-D did not end the session; screen:\n${screen()}`);
});
