/**
 * Maintenance over SSH with stock OpenSSH: an open shell is told when maintenance starts, and a
 * new client is refused with the maintenance message in an SSH DISCONNECT, which OpenSSH prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { startSks5, testHash } from '../helpers/sks5-process.js';

const TOKEN = 'maintenance-e2e-token-0123456789';
const SSH_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'PubkeyAuthentication=no',
  '-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'ConnectTimeout=20'];

test('maintenance: the open shell sees the message and a new OpenSSH client is told it in the disconnect', { timeout: 120_000 }, async (t) => {
  const srv = await startSks5(t, `
[server]
ssh_listen = "127.0.0.1:0"
[api]
enabled = true
listen = "127.0.0.1:0"
token = "${TOKEN}"
[security]
ban_enabled = false
[[users]]
username = "alice"
password_hash = "${await testHash('pw')}"
`, { expect: ['ssh', 'api'] });
  const port = String(srv.ssh!.port);

  // An interactive shell (ssh -tt keeps a pty with stdin on a pipe), open before maintenance starts.
  const shell = spawn('sshpass', ['-p', 'pw', 'ssh', '-tt', ...SSH_OPTS, '-o', 'LogLevel=ERROR', '-p', port, 'alice@127.0.0.1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => { if (shell.exitCode === null) shell.kill('SIGKILL'); });
  let screen = '';
  const waiters = new Set<() => void>();
  // Notices come as the channel's stderr (extended data), which ssh writes to its own stderr.
  const on = (d: Buffer): void => { screen += d.toString(); for (const w of waiters) w(); };
  shell.stdout.on('data', on);
  shell.stderr.on('data', on);
  const waitFor = (re: RegExp): Promise<void> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out waiting for ${re}:\n${screen}`)); }, 60_000);
    const check = (): void => { if (re.test(screen)) { clearTimeout(timer); waiters.delete(check); resolve(); } };
    waiters.add(check);
    check();
  });
  await waitFor(/alice@[^\s]+:.*\$ /);

  const res = await fetch(`http://127.0.0.1:${srv.api!.port}/api/maintenance`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true, message: 'upgrading, back at 14:00' }),
  });
  assert.equal(res.status, 200);
  await waitFor(/maintenance: upgrading, back at 14:00/);

  const refused = await new Promise<{ code: number; err: string }>((resolve) => {
    execFile('sshpass', ['-p', 'pw', 'ssh', ...SSH_OPTS, '-p', port, 'alice@127.0.0.1', 'show status'], { timeout: 60_000 }, (err, _out, errText) => {
      const c = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof c === 'number' ? c : -1) : 0, err: errText });
    });
  });
  assert.notEqual(refused.code, 0);
  assert.match(refused.err, /Received disconnect from 127\.0\.0\.1 port \d+:11: maintenance: upgrading, back at 14:00/, refused.err);
  shell.stdin.end('exit\n');
});
