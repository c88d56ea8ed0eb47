import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCertificate, parseCertificate, parseTrustedCa, verifyCertSessionSignature, CertificateError, type TrustedCa } from '../../../src/auth/cert.js';
import { fixtureBlob, fixtureText, sshSign } from '../../fixtures/ssh/files.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const CA = parseTrustedCa(fixtureText('ca_ed25519.pub'));
const CA_RSA = parseTrustedCa(fixtureText('ca_rsa.pub'));
const ED_ALGO = 'ssh-ed25519-cert-v01@openssh.com';

function check(name: string, over: Partial<{ algorithm: string; username: string; clientIp: string; now: number; trustedCas: TrustedCa[] }> = {}) {
  return checkCertificate({ algorithm: ED_ALGO, blob: fixtureBlob(name), trustedCas: [CA, CA_RSA], username: 'alice', clientIp: '127.0.0.1', now: NOW, ...over });
}

test('parses an ssh-keygen certificate: key id, serial, principals, window, extensions', () => {
  const c = parseCertificate(fixtureBlob('valid-cert.pub'));
  assert.equal(c.type, ED_ALGO);
  assert.equal(c.keyId, 'alice-valid');
  assert.equal(c.serial, 42n);
  assert.deepEqual(c.principals, ['alice', 'ops']);
  assert.equal(c.certType, 1);
  assert.equal(new Date(Number(c.validAfter) * 1000).getUTCFullYear(), 2020);
  assert.ok(c.extensions.has('permit-port-forwarding'));
  assert.ok(c.signatureKey.blob.equals(CA.key.blob));
  // The certified key is the user's plain key.
  assert.ok(c.key.blob.equals(fixtureBlob('user_ed25519.pub')));
});

test('a valid certificate for a listed principal is accepted, with the inner key fingerprint', () => {
  const v = check('valid-cert.pub');
  assert.ok(v.ok, v.ok ? '' : v.reason);
  assert.equal(v.caFingerprint, 'SHA256:hHq5/NbGRu2kt1+DSygu+Nez6TvJDr9tQzvyIQRi/e8');
  assert.equal(v.restrictions.portForwarding, true);
  assert.equal(v.restrictions.forcedCommand, undefined);
  assert.ok(check('valid-cert.pub', { username: 'ops' }).ok);
});

test('ecdsa and rsa certificates (and an RSA CA) verify', () => {
  assert.ok(check('valid_ecdsa-cert.pub', { algorithm: 'ecdsa-sha2-nistp256-cert-v01@openssh.com' }).ok);
  const rsa = check('valid_rsa-cert.pub', { algorithm: 'rsa-sha2-512-cert-v01@openssh.com' });
  assert.ok(rsa.ok, rsa.ok ? '' : rsa.reason);
});

test('expired, not-yet-valid, wrong principal, untrusted CA, host certificates are refused with the reason', () => {
  const expired = check('expired-cert.pub');
  assert.ok(!expired.ok && /expired at 2020-01-02/.test(expired.reason), JSON.stringify(expired));
  const early = check('valid-cert.pub', { now: Date.parse('2019-06-01T00:00:00Z') });
  assert.ok(!early.ok && /not valid before/.test(early.reason));
  const bob = check('bob-cert.pub');
  assert.ok(!bob.ok && /principals \[bob\] do not include alice/.test(bob.reason));
  const untrusted = check('untrusted-cert.pub');
  assert.ok(!untrusted.ok && /untrusted CA/.test(untrusted.reason));
  const host = check('host-cert.pub');
  assert.ok(!host.ok && /host certificate/.test(host.reason));
  const none = check('valid-cert.pub', { trustedCas: [] });
  assert.ok(!none.ok && /untrusted CA/.test(none.reason));
});

test('validity boundaries: valid_before is exclusive', () => {
  const c = parseCertificate(fixtureBlob('expired-cert.pub'));
  const before = Number(c.validBefore) * 1000;
  assert.ok(check('expired-cert.pub', { now: before - 1000 }).ok);
  assert.ok(!check('expired-cert.pub', { now: before }).ok);
});

test('empty principals are refused (stricter than OpenSSH)', () => {
  const v = check('noprincipals-cert.pub');
  assert.ok(!v.ok && /no principals/.test(v.reason));
});

test('source-address is enforced against the client address', () => {
  assert.ok(check('source-cert.pub', { clientIp: '10.1.2.3' }).ok);
  assert.ok(check('source-cert.pub', { clientIp: '192.168.1.5' }).ok);
  assert.ok(check('source-cert.pub', { clientIp: '::ffff:10.9.9.9' }).ok);
  const v = check('source-cert.pub', { clientIp: '192.168.1.6' });
  assert.ok(!v.ok && /source-address/.test(v.reason));
});

test('force-command is carried as a restriction; unknown critical options refuse the certificate', () => {
  const forced = check('forced-cert.pub');
  assert.ok(forced.ok);
  assert.equal(forced.restrictions.forcedCommand, '/bin/true');
  const vr = check('verifyreq-cert.pub');
  assert.ok(!vr.ok && /unsupported critical option "verify-required"/.test(vr.reason));
});

test('missing permit-port-forwarding / permit-pty extensions become restrictions', () => {
  const v = check('restricted-cert.pub');
  assert.ok(v.ok);
  assert.equal(v.restrictions.portForwarding, false);
  assert.equal(v.restrictions.pty, true);
});

test('algorithm must match the blob; unknown algorithms are refused', () => {
  const v = check('valid-cert.pub', { algorithm: 'rsa-sha2-512-cert-v01@openssh.com' });
  assert.ok(!v.ok && /does not match/.test(v.reason));
  assert.ok(!check('valid-cert.pub', { algorithm: 'ssh-ed25519' }).ok);
});

test('a tampered certificate fails the CA signature', () => {
  const blob = Buffer.from(fixtureBlob('valid-cert.pub'));
  // Flip a byte inside the key id region: still parses, but the CA signature no longer matches.
  const idx = blob.indexOf(Buffer.from('alice-valid'));
  blob[idx] = 'A'.charCodeAt(0);
  const v = checkCertificate({ algorithm: ED_ALGO, blob, trustedCas: [CA], username: 'alice', clientIp: '127.0.0.1', now: NOW });
  assert.ok(!v.ok && /CA signature invalid/.test(v.reason), JSON.stringify(v));
});

test('truncated and oversized blobs are refused with a precise error, never a crash', () => {
  const blob = fixtureBlob('valid-cert.pub');
  for (const cut of [0, 3, 10, 40, 100, blob.length - 1]) {
    assert.throws(() => parseCertificate(blob.subarray(0, cut)), CertificateError);
  }
  assert.throws(() => parseCertificate(Buffer.alloc(16 * 1024 + 1)), /limit/);
  assert.throws(() => parseCertificate(Buffer.concat([blob, Buffer.from([0])])), /trailing/);
});

test('the session signature is verified with the certificate inner key', () => {
  const data = Buffer.from('session id + userauth request');
  const c = parseCertificate(fixtureBlob('valid-cert.pub'));
  assert.equal(verifyCertSessionSignature(ED_ALGO, c, data, sshSign('user_ed25519', data)), undefined);
  assert.equal(verifyCertSessionSignature(ED_ALGO, c, Buffer.from('other data'), sshSign('user_ed25519', data)), 'bad signature');
  // Signed by the CA instead of the holder: refused.
  assert.equal(verifyCertSessionSignature(ED_ALGO, c, data, sshSign('ca_ed25519', data)), 'bad signature');
  const ec = parseCertificate(fixtureBlob('valid_ecdsa-cert.pub'));
  assert.equal(verifyCertSessionSignature('ecdsa-sha2-nistp256-cert-v01@openssh.com', ec, data, sshSign('user_ecdsa', data)), undefined);
  const rsa = parseCertificate(fixtureBlob('valid_rsa-cert.pub'));
  assert.equal(verifyCertSessionSignature('rsa-sha2-512-cert-v01@openssh.com', rsa, data, sshSign('user_rsa', data, 'rsa-sha2-512')), undefined);
  assert.equal(verifyCertSessionSignature('rsa-sha2-256-cert-v01@openssh.com', rsa, data, sshSign('user_rsa', data, 'rsa-sha2-256')), undefined);
  assert.match(verifyCertSessionSignature('rsa-sha2-256-cert-v01@openssh.com', rsa, data, sshSign('user_rsa', data, 'rsa-sha2-512')) ?? '', /does not match/);
  assert.match(verifyCertSessionSignature('ssh-rsa-cert-v01@openssh.com', rsa, data, sshSign('user_rsa', data)) ?? '', /does not match|SHA-1/);
});

test('trusted CA lines: comment allowed, garbage refused', () => {
  assert.equal(parseTrustedCa(`${fixtureText('ca_ed25519.pub')}`).fingerprint, CA.fingerprint);
  assert.throws(() => parseTrustedCa('ssh-ed25519 AAAA'), CertificateError);
  assert.throws(() => parseTrustedCa('ssh-dss AAAAB3NzaC1kc3M='), /unsupported key type/);
});

test('property: mutated certificate blobs are refused with CertificateError or checked, never crash', async () => {
  const fc = (await import('fast-check')).default;
  const blob = fixtureBlob('valid-cert.pub');
  fc.assert(fc.property(fc.nat({ max: blob.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: blob.length }), (pos, byte, cut) => {
    const mutated = Buffer.from(blob);
    mutated[pos] = byte;
    const input = mutated.subarray(0, Math.max(cut, pos + 1));
    try {
      parseCertificate(input);
    } catch (err) {
      assert.ok(err instanceof CertificateError, String(err));
    }
    const v = checkCertificate({ algorithm: ED_ALGO, blob: input, trustedCas: [CA], username: 'alice', clientIp: '127.0.0.1', now: NOW });
    // Only the untouched certificate (or a byte rewritten to itself) can pass the CA signature.
    if (v.ok) assert.ok(input.equals(blob));
  }), { numRuns: 1500 });
});
