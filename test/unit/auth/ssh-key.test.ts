import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintOf, parsePublicKeyBlob, verifySshSignature } from '../../../src/auth/ssh-key.js';
import { sshString } from '../../../src/auth/ssh-wire.js';
import { fixtureBlob, sshSign } from '../../fixtures/ssh/files.js';

test('fingerprints match ssh-keygen -l', () => {
  assert.equal(fingerprintOf(fixtureBlob('user_ed25519.pub')), 'SHA256:2p4bNbQd6PSnkg7gtKcR79nSsPOogoOedG8OIhWkiqg');
  assert.equal(fingerprintOf(fixtureBlob('user_rsa.pub')), 'SHA256:XDDK2+//hhVj3MS2Pn8hQI0o1HdQz/mztNSlhBW16OQ');
});

test('signatures by each key type verify; wrong data or mismatched algorithm fail', () => {
  const data = Buffer.from('data');
  for (const name of ['user_ed25519', 'user_ecdsa', 'user_rsa']) {
    const key = parsePublicKeyBlob(fixtureBlob(`${name}.pub`));
    assert.equal(verifySshSignature(key, data, sshSign(name, data)), undefined, name);
    assert.equal(verifySshSignature(key, Buffer.from('other'), sshSign(name, data)), 'bad signature', name);
  }
  const rsa = parsePublicKeyBlob(fixtureBlob('user_rsa.pub'));
  assert.equal(verifySshSignature(rsa, data, sshSign('user_rsa', data, 'rsa-sha2-256')), undefined);
  const sha1 = Buffer.concat([sshString('ssh-rsa'), sshString(Buffer.alloc(256))]);
  assert.match(verifySshSignature(rsa, data, sha1) ?? '', /SHA-1/);
  const ed = parsePublicKeyBlob(fixtureBlob('user_ed25519.pub'));
  assert.match(verifySshSignature(ed, data, sshSign('user_ecdsa', data)) ?? '', /does not match/);
  assert.match(verifySshSignature(ed, data, Buffer.from([0, 0, 0])) ?? '', /malformed/);
});

test('key blobs: trailing bytes and unsupported types are refused', () => {
  assert.throws(() => parsePublicKeyBlob(Buffer.concat([fixtureBlob('user_ed25519.pub'), Buffer.from([1])])), /trailing/);
  assert.throws(() => parsePublicKeyBlob(sshString('ssh-dss')), /unsupported key type/);
});
