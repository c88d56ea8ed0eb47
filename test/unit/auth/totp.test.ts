import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { TotpGuard, splitPasswordAndCode, totpRequired, verifyPasswordWithTotp } from '../../../src/auth/totp.js';
import { hashPassword } from '../../../src/auth/password.js';
import type { EffectiveUser } from '../../../src/config/users.js';

const SECRET = 'JBSWY3DPEHPK3PXP';
const T0 = Date.parse('2026-11-25T10:00:05Z');

function codeAt(ms: number, secret = SECRET): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: ms });
}

test('right code accepted; wrong code refused; window is +-1 step', () => {
  const g = new TotpGuard();
  assert.deepEqual(g.verify('alice', SECRET, codeAt(T0), T0), { ok: true });
  assert.deepEqual(new TotpGuard().verify('alice', SECRET, codeAt(T0 - 30_000), T0), { ok: true });
  assert.deepEqual(new TotpGuard().verify('alice', SECRET, codeAt(T0 + 30_000), T0), { ok: true });
  assert.deepEqual(new TotpGuard().verify('alice', SECRET, codeAt(T0 - 60_000), T0), { ok: false, reason: 'wrong totp code' });
  const wrong = codeAt(T0) === '000000' ? '111111' : '000000';
  assert.deepEqual(new TotpGuard().verify('alice', SECRET, wrong, T0), { ok: false, reason: 'wrong totp code' });
});

test('a code is single-use, and older steps are refused after a newer one was used', () => {
  const g = new TotpGuard();
  assert.ok(g.verify('alice', SECRET, codeAt(T0), T0).ok);
  assert.deepEqual(g.verify('alice', SECRET, codeAt(T0), T0 + 1000), { ok: false, reason: 'totp code already used' });
  assert.deepEqual(g.verify('alice', SECRET, codeAt(T0 - 30_000), T0 + 1000), { ok: false, reason: 'totp code already used' });
  // The next step works; replay state is per user.
  assert.ok(g.verify('alice', SECRET, codeAt(T0 + 30_000), T0 + 30_000).ok);
  assert.ok(g.verify('bob', SECRET, codeAt(T0), T0).ok);
});

test('malformed codes and secrets are refused, never thrown', () => {
  const g = new TotpGuard();
  assert.equal(g.verify('alice', SECRET, '12345', T0).ok, false);
  assert.equal(g.verify('alice', SECRET, '12345a', T0).ok, false);
  assert.deepEqual(g.verify('alice', undefined, '123456', T0), { ok: false, reason: 'totp enabled but no totp_secret configured' });
  assert.equal(g.verify('alice', '!!!!', '123456', T0).ok, false);
});

test('splitPasswordAndCode: colon form, suffix form, too short', () => {
  const a = splitPasswordAndCode(Buffer.from('s3cret:123456'));
  assert.equal(a?.password.toString(), 's3cret');
  assert.equal(a?.code, '123456');
  const b = splitPasswordAndCode(Buffer.from('s3cret123456'));
  assert.equal(b?.password.toString(), 's3cret');
  assert.equal(splitPasswordAndCode(Buffer.from('123456')), undefined);
  assert.equal(splitPasswordAndCode(Buffer.from('password')), undefined);
});

function user(over: Partial<EffectiveUser>): EffectiveUser {
  return { username: 'alice', passwordHash: undefined, totpEnabled: false, totpSecret: undefined, ...over } as EffectiveUser;
}

test('totpRequired: user flag always; totp_required_for per door (the original skipped it when empty)', () => {
  assert.equal(totpRequired(user({ totpEnabled: true }), 'socks5', []), true);
  assert.equal(totpRequired(user({}), 'ssh', []), false);
  assert.equal(totpRequired(user({}), 'ssh', ['ssh']), true);
  assert.equal(totpRequired(user({}), 'socks5-tls', ['socks5']), true);
  assert.equal(totpRequired(user({}), 'socks5', ['ssh']), false);
});

test('verifyPasswordWithTotp: password+code forms, wrong code, missing code, reuse, zeroized input', async () => {
  const hash = await hashPassword('pw', { memoryCost: 1024, timeCost: 1, parallelism: 1 });
  const alice = user({ passwordHash: hash, totpEnabled: true, totpSecret: SECRET });
  const guard = new TotpGuard();
  const opts = { door: 'socks5' as const, totpRequiredFor: [], guard, now: T0 };
  const input = Buffer.from(`pw:${codeAt(T0)}`);
  assert.deepEqual(await verifyPasswordWithTotp(alice, input, opts), { ok: true, usedTotp: true });
  assert.ok(input.every((b) => b === 0), 'input zeroed');
  assert.deepEqual(await verifyPasswordWithTotp(alice, Buffer.from(`pw${codeAt(T0)}`), opts), { ok: false, reason: 'totp code already used', usedTotp: true });
  const next = { ...opts, now: T0 + 30_000 };
  assert.equal((await verifyPasswordWithTotp(alice, Buffer.from(`pw${codeAt(T0 + 30_000)}`), next)).ok, true);
  assert.deepEqual(await verifyPasswordWithTotp(alice, Buffer.from('pw'), next), { ok: false, reason: 'totp code missing (send password:123456)', usedTotp: false });
  assert.deepEqual(await verifyPasswordWithTotp(alice, Buffer.from(`nope:${codeAt(T0 + 60_000)}`), { ...opts, now: T0 + 60_000 }), { ok: false, reason: 'wrong password', usedTotp: false });
  const plain = user({ passwordHash: hash });
  assert.equal((await verifyPasswordWithTotp(plain, Buffer.from('pw'), opts)).ok, true);
  const forced = await verifyPasswordWithTotp(plain, Buffer.from('pw:123456'), { ...opts, totpRequiredFor: ['socks5'] });
  assert.ok(!forced.ok && /not configured/.test(forced.reason));
  assert.deepEqual(await verifyPasswordWithTotp(undefined, Buffer.from('pw'), opts), { ok: false, reason: 'unknown user', usedTotp: false });
});
