/**
 * The session channel and what the bastion refuses, seen from the real OpenSSH client: sftp,
 * exec of real programs (bash, scp), and the notice for shell/exec until the shell emulator is
 * plugged in. Plus the auth deadline (ssh_auth_timeout) for connections that never authenticate.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COMMON_SSH_OPTS, askpass, fastHash, run, startHarness, startProcess, stop, type Harness } from '../fixtures/ssh/harness.js';

let h: Harness;
let env: NodeJS.ProcessEnv;

before(async () => {
  const pw = await fastHash('secret');
  h = await startHarness({
    server: { ssh_auth_timeout: 10 },
    users: [{ username: 'alice', password_hash: pw }, { username: 'noshell', password_hash: pw, allow_shell: false }],
  });
  env = askpass(h.dir, 'secret', () => '').env;
});
after(async () => { await h?.close(); });

const ssh = (user: string, ...cmd: string[]) => run('ssh', [...COMMON_SSH_OPTS, '-o', 'PreferredAuthentications=password', '-p', String(h.sshPort), `${user}@127.0.0.1`, ...cmd], { env });

test('sftp is refused with a message, and the client exits non-zero', async () => {
  const r = await run('sftp', [...COMMON_SSH_OPTS, '-o', 'PreferredAuthentications=password', '-P', String(h.sshPort), 'alice@127.0.0.1'], { env, input: 'ls\n' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /sftp is not available on this bastion/);
});

test('scp (legacy protocol, exec "scp -t") is refused', async () => {
  const r = await run('scp', ['-O', ...COMMON_SSH_OPTS, '-o', 'PreferredAuthentications=password', '-P', String(h.sshPort), '/etc/hostname', 'alice@127.0.0.1:/tmp/x'], { env });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr + r.stdout, /scp: command not found/);
});

test('ssh user@host bash is refused with exit status 126', async () => {
  const r = await ssh('alice', 'bash');
  assert.equal(r.code, 126);
  assert.match(r.stderr, /bash: command not found \(this bastion does not run programs/);
  const nc = await ssh('alice', '/usr/bin/nc', '10.0.0.1', '22');
  assert.equal(nc.code, 126);
});

test('agent forwarding (ssh -A) is refused and the session says so', async (t) => {
  // OpenSSH only asks to forward an agent it can reach: run one in the foreground (-D).
  const sock = join(h.dir, 'agent.sock');
  const agent = startProcess('ssh-agent', ['-D', '-a', sock]);
  t.after(() => stop(agent.child));
  const deadline = Date.now() + 10_000;
  while (!existsSync(sock) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  const r = await run('ssh', [...COMMON_SSH_OPTS, '-A', '-o', 'PreferredAuthentications=password', '-p', String(h.sshPort), 'alice@127.0.0.1', 'help'], { env: { ...env, SSH_AUTH_SOCK: sock } });
  assert.notEqual(r.code, 255, r.stderr);
  assert.match(r.stderr, /agent forwarding is not available on this bastion/);
});

test('an interactive shell (pty) opens and closes cleanly with exit status 0', async () => {
  // With the shell emulator wired it reads "exit"; without it a one-line notice ends the session.
  const r = await run('ssh', [...COMMON_SSH_OPTS, '-tt', '-o', 'PreferredAuthentications=password', '-p', String(h.sshPort), 'alice@127.0.0.1'], { env, input: 'exit\n', timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual(r.stdout, '');
});

test('allow_shell = false: the session channel is refused with the reason', async () => {
  const r = await ssh('noshell', 'help');
  assert.equal(r.code, 255);
  assert.match(r.stderr, /shell access is disabled for this account/);
});

test('a connection that never authenticates is closed after ssh_auth_timeout', async () => {
  const started = Date.now();
  const closedAfter = await new Promise<number>((resolve, reject) => {
    const s = connect(h.sshPort, '127.0.0.1');
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => resolve(Date.now() - started));
    s.write('SSH-2.0-TestClient\r\n');
    setTimeout(() => { s.destroy(); reject(new Error('not closed within 30 s')); }, 30_000);
  });
  assert.ok(closedAfter >= 9_000, `closed after ${closedAfter} ms`);
});
