import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { configSchema } from '../../../src/config/schema.js';
import { resolveUsers, type EffectiveUser } from '../../../src/config/users.js';
import { keyFingerprint, userDetailOf, userSummaryOf } from '../../../src/api/port-views.js';

const blob = Buffer.from('\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20' + 'k'.repeat(32), 'binary').toString('base64');
const config = configSchema.parse({
  groups: [{ name: 'ops', role: 'admin' }],
  users: [{
    username: 'alice', group: 'ops',
    password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
    totp_enabled: true, totp_secret: 'JBSWY3DPEHPK3PXP',
    authorized_keys: [`ssh-ed25519 ${blob} alice@laptop`],
    upstream_proxy: 'socks5://user:pw@proxy.example:1080',
    expires_at: '2027-01-01T00:00:00Z',
  }],
});
const alice = resolveUsers(config).get('alice') as EffectiveUser;

test('user views carry the original fields and none of the secrets', () => {
  const live = { current_connections: 2, total_bytes_transferred: 99 };
  const detail = userDetailOf(alice, live);
  const text = JSON.stringify([detail, userSummaryOf(alice, live)]);
  for (const secret of ['argon2', 'JBSWY3DP', blob, 'pw@proxy', 'alice@laptop']) assert.ok(!text.includes(secret), secret);
  assert.equal(detail.has_password, true);
  assert.equal(detail.totp_enabled, true);
  assert.equal(detail.role, 'admin');
  assert.equal(detail.group, 'ops');
  assert.equal(detail.expires_at, '2027-01-01T00:00:00.000Z');
  assert.deepEqual(detail.authorized_keys_fingerprints, [`SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`]);
  assert.equal(userSummaryOf(alice, live).authorized_keys_count, 1);
});

test('key fingerprints match OpenSSH format and tolerate options and junk', () => {
  assert.match(keyFingerprint(`from="10.0.0.0/8" ssh-ed25519 ${blob}`), /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.equal(keyFingerprint('not a key'), 'invalid-key');
});
