/**
 * The SSH door of the built CLI (`bin/sks5 --config x.toml`) driven by stock OpenSSH: ssh -D and
 * ssh -L carry curl to a local HTTP server, a certificate from a trusted CA logs in and an expired
 * one does not, TOTP is asked for with keyboard-interactive, and sftp / bash / -R are refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { startSks5, testHash, type Sks5Process } from '../helpers/sks5-process.js';
import { COMMON_SSH_OPTS, askpass, freePort, makeKey, run, signCert, startProcess, stop, waitForPort } from '../fixtures/ssh/harness.js';

const SECRET = 'JBSWY3DPEHPK3PXP';
let dir: string;
let http: Server;
let httpPort: number;
let srv: Sks5Process;
let ca: { path: string; pub: string };
let key: { path: string; pub: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sks5-e2e-ssh-'));
  http = createServer((req, res) => res.end(`target says ${req.url ?? ''}\n`));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  httpPort = (http.address() as { port: number }).port;
  [ca, key] = await Promise.all([makeKey(dir, 'ca'), makeKey(dir, 'user')]);
  const hash = await testHash('secret');
  srv = await startSks5(undefined, `
[server]
ssh_listen = "127.0.0.1:0"
shutdown_timeout = 1

[security]
ip_guard_enabled = false
ban_enabled = false
trusted_user_ca_keys = ["${ca.pub}"]

[[users]]
username = "alice"
password_hash = "${hash}"
authorized_keys = ["${key.pub}"]

[[users]]
username = "dave"
password_hash = "${hash}"
totp_enabled = true
totp_secret = "${SECRET}"
`, { expect: ['ssh'], dir: mkdtempSync(join(dir, 'srv-')) });
});

after(async () => {
  await srv?.stop();
  await new Promise<void>((r) => { http.close(() => r()); http.closeAllConnections(); });
  rmSync(dir, { recursive: true, force: true });
});

const port = (): string => String(srv.ssh!.port);

test('ssh -D with a password (sshpass): curl --socks5-hostname reaches the target', async (t) => {
  const dport = await freePort();
  const p = startProcess('sshpass', ['-p', 'secret', 'ssh', ...COMMON_SSH_OPTS, '-o', 'ExitOnForwardFailure=yes', '-o', 'PreferredAuthentications=password',
    '-N', '-D', `127.0.0.1:${dport}`, '-p', port(), 'alice@127.0.0.1']);
  t.after(() => stop(p.child));
  assert.ok(await waitForPort(dport, p.child), p.output());
  const r = await run('curl', ['-sS', '--max-time', '20', '--socks5-hostname', `127.0.0.1:${dport}`, `http://127.0.0.1:${httpPort}/D`]);
  assert.equal(r.stdout, 'target says /D\n', r.stderr);
});

test('ssh -L with a public key: curl to the local port reaches the target', async (t) => {
  const lport = await freePort();
  const p = startProcess('ssh', [...COMMON_SSH_OPTS, '-o', 'ExitOnForwardFailure=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', key.path,
    '-N', '-L', `127.0.0.1:${lport}:127.0.0.1:${httpPort}`, '-p', port(), 'alice@127.0.0.1']);
  t.after(() => stop(p.child));
  assert.ok(await waitForPort(lport, p.child), p.output());
  const r = await run('curl', ['-sS', '--max-time', '20', `http://127.0.0.1:${lport}/L`]);
  assert.equal(r.stdout, 'target says /L\n', r.stderr);
});

test('certificate: valid logs in and forwards; expired is refused with the reason in the log', async (t) => {
  const certDir = mkdtempSync(join(dir, 'cert-'));
  const k = await makeKey(certDir, 'k');
  const cert = await signCert(ca.path, `${k.path}.pub`, ['-I', 'alice@laptop', '-n', 'alice', '-V', '+1h']);
  const lport = await freePort();
  const p = startProcess('ssh', [...COMMON_SSH_OPTS, '-o', 'ExitOnForwardFailure=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', k.path, '-o', `CertificateFile=${cert}`,
    '-N', '-L', `127.0.0.1:${lport}:127.0.0.1:${httpPort}`, '-p', port(), 'alice@127.0.0.1']);
  t.after(() => stop(p.child));
  assert.ok(await waitForPort(lport, p.child), p.output());
  const r = await run('curl', ['-sS', '--max-time', '20', `http://127.0.0.1:${lport}/cert`]);
  assert.equal(r.stdout, 'target says /cert\n');

  const k2 = await makeKey(certDir, 'k2');
  const expired = await signCert(ca.path, `${k2.path}.pub`, ['-I', 'old', '-n', 'alice', '-V', '-2h:-1h']);
  const bad = await run('ssh', [...COMMON_SSH_OPTS, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', k2.path, '-o', `CertificateFile=${expired}`, '-p', port(), 'alice@127.0.0.1', 'help']);
  assert.equal(bad.code, 255);
  await srv.waitForLog((l) => typeof l.msg === 'string' && /authentication failed: certificate "old" .* expired at/.test(l.msg));
});

test('TOTP: keyboard-interactive asks for the code after the password', async () => {
  const code = new TOTP({ secret: Secret.fromBase32(SECRET) }).generate();
  const a = askpass(dir, 'secret', () => code);
  const r = await run('ssh', [...COMMON_SSH_OPTS, '-o', 'PreferredAuthentications=password,keyboard-interactive', '-p', port(), 'dave@127.0.0.1', 'help'], { env: a.env });
  assert.notEqual(r.code, 255, r.stderr);
  const wrong = askpass(dir, 'secret', () => '000000');
  const w = await run('ssh', [...COMMON_SSH_OPTS, '-o', 'PreferredAuthentications=password,keyboard-interactive', '-p', port(), 'dave@127.0.0.1', 'help'], { env: wrong.env });
  assert.equal(w.code, 255);
});

test('refusals: sftp, ssh host bash, ssh -R', async () => {
  const env = askpass(dir, 'secret', () => '').env;
  const sftp = await run('sftp', [...COMMON_SSH_OPTS, '-o', 'PreferredAuthentications=password', '-P', port(), 'alice@127.0.0.1'], { env, input: 'ls\n' });
  assert.notEqual(sftp.code, 0);
  assert.match(sftp.stderr, /sftp is not available/);
  const bash = await run('ssh', [...COMMON_SSH_OPTS, '-o', 'PreferredAuthentications=password', '-p', port(), 'alice@127.0.0.1', 'bash'], { env });
  assert.equal(bash.code, 126);
  assert.match(bash.stderr, /bash: command not found/);
  const remote = await run('ssh', [...COMMON_SSH_OPTS, '-o', 'ExitOnForwardFailure=yes', '-o', 'PreferredAuthentications=password', '-N', '-R', '0:127.0.0.1:80', '-p', port(), 'alice@127.0.0.1'], { env });
  assert.notEqual(remote.code, 0);
  assert.match(remote.stderr, /remote port forwarding failed/);
});
