import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlgorithmConfigError, buildAlgorithms, identFromServerId, SUPPORTED_CIPHERS, SUPPORTED_KEX } from '../../../src/ssh/algorithms.js';

test('empty lists keep ssh2 defaults; valid names pass through deduplicated', () => {
  assert.deepEqual(buildAlgorithms([], []), {});
  assert.deepEqual(buildAlgorithms(['aes256-gcm@openssh.com', 'aes256-gcm@openssh.com'], ['curve25519-sha256']), {
    cipher: ['aes256-gcm@openssh.com'], kex: ['curve25519-sha256'],
  });
  assert.ok(SUPPORTED_KEX.includes('curve25519-sha256'));
  assert.ok(SUPPORTED_CIPHERS.includes('aes128-ctr'));
});

test('unknown names fail with the key and the supported list', () => {
  assert.throws(() => buildAlgorithms(['aes512-ctr'], []), (e: unknown) => e instanceof AlgorithmConfigError && /server.allowed_ciphers: unsupported "aes512-ctr"; supported: .*aes128-ctr/.test(e.message));
  assert.throws(() => buildAlgorithms([], ['sntrup761x25519-sha512@openssh.com']), /server.allowed_kex/);
});

test('server_id: ssh2 adds SSH-2.0- itself', () => {
  assert.equal(identFromServerId('SSH-2.0-sks5'), 'sks5');
  assert.equal(identFromServerId('SSH-2.0-sks5_0.1 extra'), 'sks5_0.1 extra');
  assert.throws(() => identFromServerId('SSH-2.0-'), AlgorithmConfigError);
  assert.throws(() => identFromServerId('SSH-2.0-bad\r\nX'), AlgorithmConfigError);
});
