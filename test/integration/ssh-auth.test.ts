/**
 * Authentication through the SSH door with the real OpenSSH client: password (wrong x N then
 * disconnect), public key, certificates made by ssh-keygen -s (valid, expired, wrong principal,
 * untrusted CA), TOTP (keyboard-interactive and password:code; right, wrong, reused), and
 * auth_methods chaining with partial success.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { COMMON_SSH_OPTS, askpass, fastHash, makeKey, run, signCert, startHarness, type Harness } from '../fixtures/ssh/harness.js';

const SECRET = 'JBSWY3DPEHPK3PXP';
const totp = new TOTP({ secret: Secret.fromBase32(SECRET), algorithm: 'SHA1', digits: 6, period: 30 });

let h: Harness;
let dir: string;
let ca: { path: string; pub: string };
let otherCa: { path: string; pub: string };
let userKey: { path: string; pub: string };
let chainKey: { path: string; pub: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sks5-auth-'));
  [ca, otherCa, userKey, chainKey] = await Promise.all([makeKey(dir, 'ca'), makeKey(dir, 'other_ca'), makeKey(dir, 'user'), makeKey(dir, 'chain')]);
  const pw = await fastHash('secret');
  h = await startHarness({
    limits: { max_auth_attempts: 2 },
    security: { trusted_user_ca_keys: [ca.pub] },
    users: [
      { username: 'alice', password_hash: pw },
      { username: 'dave', password_hash: pw, totp_enabled: true, totp_secret: SECRET },
      { username: 'chain', password_hash: pw, authorized_keys: [chainKey.pub], auth_methods: ['pubkey', 'password'] },
    ],
  });
});
after(async () => { await h?.close(); });

const base = (): string[] => [...COMMON_SSH_OPTS, '-p', String(h.sshPort)];
const failuresOf = (user: string): string[] => h.events.flatMap((e) => (e.type === 'auth.failure' && e.data.username === user ? [e.data.reason] : []));
const successOf = (user: string): { method: string; key_fingerprint?: string | undefined }[] =>
  h.events.flatMap((e) => (e.type === 'auth.success' && e.data.username === user ? [e.data] : []));

test('wrong password: each attempt is one auth.failure, then the server disconnects at max_auth_attempts', async () => {
  const a = askpass(dir, 'wrong', () => '');
  const r = await run('ssh', [...base(), '-o', 'PreferredAuthentications=password', '-o', 'NumberOfPasswordPrompts=5', 'alice@127.0.0.1', 'help'], { env: a.env });
  assert.equal(r.code, 255, r.stderr);
  assert.deepEqual(failuresOf('alice'), ['wrong password', 'wrong password']);
});

test('certificate from a trusted CA (ssh-keygen -s ca -I id -n alice -V +1h) logs in', async () => {
  const cert = await signCert(ca.path, `${userKey.path}.pub`, ['-I', 'alice-cert', '-n', 'alice', '-V', '+1h']);
  const r = await run('ssh', [...base(), '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'PreferredAuthentications=publickey', '-i', userKey.path, '-o', `CertificateFile=${cert}`, 'alice@127.0.0.1', 'help']);
  assert.notEqual(r.code, 255, r.stderr);
  assert.equal(successOf('alice').at(-1)?.method, 'certificate');
});

for (const c of [
  { name: 'expired', args: ['-n', 'alice', '-V', '-2h:-1h'], signer: 'ca', reason: /expired at/ },
  { name: 'wrong principal', args: ['-n', 'bob', '-V', '+1h'], signer: 'ca', reason: /do not include alice/ },
  { name: 'untrusted CA', args: ['-n', 'alice', '-V', '+1h'], signer: 'other', reason: /untrusted CA/ },
]) {
  test(`certificate refused: ${c.name}`, async () => {
    const keyDir = mkdtempSync(join(dir, 'c-'));
    const k = await makeKey(keyDir, 'k');
    const cert = await signCert(c.signer === 'ca' ? ca.path : otherCa.path, `${k.path}.pub`, ['-I', `cert-${c.name}`, ...c.args]);
    const before = failuresOf('alice').length;
    const r = await run('ssh', [...base(), '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'PreferredAuthentications=publickey', '-i', k.path, '-o', `CertificateFile=${cert}`, 'alice@127.0.0.1', 'help']);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /Permission denied/);
    assert.match(failuresOf('alice').slice(before).join('\n'), c.reason);
  });
}

function codeNow(offsetSteps = 0): string {
  return totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

test('TOTP via keyboard-interactive: password, then "Verification code:"; a reused code is refused', async () => {
  const code = codeNow();
  const a = askpass(dir, 'secret', () => code);
  const opts = [...base(), '-o', 'PreferredAuthentications=password,keyboard-interactive', 'dave@127.0.0.1', 'help'];
  const r1 = await run('ssh', opts, { env: a.env });
  assert.notEqual(r1.code, 255, r1.stderr);
  assert.equal(successOf('dave').at(-1)?.method, 'password+totp');
  const r2 = await run('ssh', opts, { env: a.env });
  assert.equal(r2.code, 255, 'the same code cannot open a second session');
  assert.ok(failuresOf('dave').includes('totp code already used'));
});

test('TOTP: a wrong code is refused; the password alone never suffices', async () => {
  const a = askpass(dir, 'secret', () => codeNow(-10));
  const r = await run('ssh', [...base(), '-o', 'PreferredAuthentications=password,keyboard-interactive', 'dave@127.0.0.1', 'help'], { env: a.env });
  assert.equal(r.code, 255);
  assert.ok(failuresOf('dave').includes('wrong totp code'));
  const b = askpass(dir, 'secret', () => '');
  const pwOnly = await run('ssh', [...base(), '-o', 'PreferredAuthentications=password', 'dave@127.0.0.1', 'help'], { env: b.env });
  assert.equal(pwOnly.code, 255);
  // Partial success: the password was right, only the code is left to give.
  assert.match(pwOnly.stderr, /Permission denied \(keyboard-interactive\)/);
});

test('TOTP: "password:123456" in the password prompt (the original form) logs in with sshpass', async () => {
  // Wait for a fresh step so this code was not used by the previous test.
  const used = Math.floor(Date.now() / 30_000);
  const r = await run('sshpass', ['-p', `secret:${codeNow(1)}`, 'ssh', ...base(), '-o', 'PreferredAuthentications=password', 'dave@127.0.0.1', 'help']);
  assert.notEqual(r.code, 255, `${r.stderr} (step ${used})`);
  assert.equal(successOf('dave').at(-1)?.method, 'password+totp');
});

test('auth_methods ["pubkey","password"]: the key alone gets partial success; key + password logs in', async () => {
  const keyOnly = await run('ssh', [...base(), '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', chainKey.path, '-o', 'PreferredAuthentications=publickey,password', 'chain@127.0.0.1', 'help']);
  assert.equal(keyOnly.code, 255);
  // Partial success: the key was accepted, the password is what is left.
  assert.match(keyOnly.stderr, /Permission denied \(password,keyboard-interactive\)/);
  const a = askpass(dir, 'secret', () => '');
  const both = await run('ssh', [...base(), '-o', 'IdentitiesOnly=yes', '-i', chainKey.path, '-o', 'PreferredAuthentications=publickey,password', 'chain@127.0.0.1', 'help'], { env: a.env });
  assert.notEqual(both.code, 255, both.stderr);
  const ok = successOf('chain').at(-1);
  assert.equal(ok?.method, 'publickey+password');
  assert.match(ok?.key_fingerprint ?? '', /^SHA256:/);
  // Password first is not accepted for this user: the server asks for the key.
  const pwFirst = await run('ssh', [...base(), '-o', 'PreferredAuthentications=password', 'chain@127.0.0.1', 'help'], { env: a.env });
  assert.equal(pwFirst.code, 255);
  assert.match(pwFirst.stderr, /Permission denied \(publickey\)/);
});
