import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../../../src/config/schema.js';
import type { EffectiveUser } from '../../../src/config/users.js';
import { checkCertificate, parseTrustedCas } from '../../../src/auth/cert.js';
import { createCredentialStore } from '../../../src/ssh/credentials.js';
import { fixtureBlob, fixtureText } from '../../fixtures/ssh/files.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');

function world(caLines: string[], keys: string[]) {
  const config = { security: { trusted_user_ca_keys: caLines } } as unknown as Config;
  const user = { username: 'alice', authorizedKeys: keys } as unknown as EffectiveUser;
  const warnings: string[] = [];
  return { store: createCredentialStore(() => config, (m) => warnings.push(m)), user, warnings };
}

test('global CAs plus the user\'s cert-authority lines; bad entries are warned about and skipped', () => {
  const w = world([fixtureText('ca_ed25519.pub'), 'ssh-ed25519 garbage'], [
    fixtureText('user_ed25519.pub'),
    `cert-authority,principals="deploy" ${fixtureText('ca_untrusted.pub')}`,
    'not a key',
  ]);
  const cas = w.store.trustedCasOf(w.user);
  assert.equal(cas.length, 2);
  assert.deepEqual(cas[1]?.principals, ['deploy']);
  assert.equal(w.store.keysOf(w.user).length, 2);
  assert.equal(w.warnings.length, 2);
  assert.match(w.warnings.join('\n'), /security.trusted_user_ca_keys\[1\]/);
  assert.match(w.warnings.join('\n'), /users.alice.authorized_keys\[2\]/);
  assert.equal(w.store.keysOf(w.user), w.store.keysOf(w.user), 'compiled once per user snapshot');
});

test('a per-user CA with principals= vouches only for those principals', () => {
  const w = world([], [`cert-authority,principals="alice-untrusted-ok" ${fixtureText('ca_untrusted.pub')}`]);
  const cas = w.store.trustedCasOf(w.user);
  const v = checkCertificate({ algorithm: 'ssh-ed25519-cert-v01@openssh.com', blob: fixtureBlob('untrusted-cert.pub'), trustedCas: cas, username: 'alice', clientIp: '127.0.0.1', now: NOW });
  assert.ok(!v.ok && /do not include alice-untrusted-ok/.test(v.reason), 'the cert names alice, the CA line only allows alice-untrusted-ok');
  const w2 = world([], [`cert-authority ${fixtureText('ca_untrusted.pub')}`]);
  const ok = checkCertificate({ algorithm: 'ssh-ed25519-cert-v01@openssh.com', blob: fixtureBlob('untrusted-cert.pub'), trustedCas: w2.store.trustedCasOf(w2.user), username: 'alice', clientIp: '127.0.0.1', now: NOW });
  assert.ok(ok.ok, 'without principals= the username must be a principal, as in sshd');
});

test('parseTrustedCas skips comments and blank lines', () => {
  const r = parseTrustedCas(['# ops CA', '', fixtureText('ca_rsa.pub')]);
  assert.equal(r.cas.length, 1);
  assert.deepEqual(r.errors, []);
});
