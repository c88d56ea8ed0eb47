import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SshReader, SshWireError, sshString } from '../../../src/auth/ssh-wire.js';

test('the wire reader bounds every field', () => {
  const r = new SshReader(Buffer.from([0, 0, 0, 9, 1, 2]));
  assert.throws(() => r.bytes('name'), (e: unknown) => e instanceof SshWireError && /truncated name: length 9 exceeds the 2 bytes left/.test(e.message));
  assert.throws(() => new SshReader(Buffer.from([0, 0])).uint32('n'), /truncated n/);
  assert.throws(() => new SshReader(sshString(Buffer.from([0x80]))).mpint('m'), /negative/);
  assert.equal(new SshReader(sshString(Buffer.from([0, 0, 5]))).mpint('m').toString('hex'), '05');
  assert.throws(() => new SshReader(sshString('x'.repeat(20))).text('t', 10), /limit 10/);
  const r2 = new SshReader(Buffer.concat([sshString('ab'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 7])]));
  assert.equal(r2.text('t'), 'ab');
  assert.equal(r2.uint64('n'), 7n);
  r2.end('record');
  assert.throws(() => new SshReader(Buffer.from([1])).end('record'), /1 trailing bytes after record/);
});
