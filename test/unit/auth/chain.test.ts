import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthChain, methodsFor, stepOf, stepsFor } from '../../../src/auth/chain.js';

test('no auth_methods: any one primary credential succeeds', () => {
  for (const f of ['publickey', 'certificate', 'password'] as const) {
    assert.deepEqual(new AuthChain(stepsFor([], false)).offer([f]), { kind: 'success' });
  }
  assert.deepEqual(new AuthChain(stepsFor([], false)).methodsLeft(), ['publickey', 'password', 'keyboard-interactive']);
});

test('["pubkey","password"]: publickey first gives partial success asking for password', () => {
  const c = new AuthChain(stepsFor(['pubkey', 'password'], false));
  assert.equal(c.accepts('password'), false);
  assert.deepEqual(c.offer(['password']), { kind: 'out-of-order', methodsLeft: ['publickey'] });
  assert.deepEqual(c.offer(['publickey']), { kind: 'partial', methodsLeft: ['password', 'keyboard-interactive'] });
  assert.equal(c.accepts('publickey'), false);
  assert.deepEqual(c.offer(['password']), { kind: 'success' });
  assert.equal(c.done, true);
});

test('a certificate satisfies a pubkey step; a plain key does not satisfy a certificate step', () => {
  assert.equal(new AuthChain(stepsFor(['publickey', 'password'], false)).offer(['certificate']).kind, 'partial');
  assert.equal(new AuthChain(stepsFor(['certificate'], false)).offer(['publickey']).kind, 'out-of-order');
});

test('TOTP is appended when required, and a combined password+code request completes both steps', () => {
  assert.deepEqual(stepsFor([], true), ['primary', 'totp']);
  assert.deepEqual(stepsFor(['password', 'totp'], true), ['password', 'totp']);
  const a = new AuthChain(stepsFor([], true));
  assert.deepEqual(a.offer(['password']), { kind: 'partial', methodsLeft: ['keyboard-interactive'] });
  assert.equal(a.pending('totp'), true);
  assert.deepEqual(a.offer(['totp']), { kind: 'success' });
  assert.deepEqual(new AuthChain(stepsFor([], true)).offer(['password', 'totp']), { kind: 'success' });
  // pubkey users with TOTP are asked for the code too.
  assert.deepEqual(new AuthChain(stepsFor([], true)).offer(['publickey']), { kind: 'partial', methodsLeft: ['keyboard-interactive'] });
});

test('a factor advances at most one step, in order', () => {
  const c = new AuthChain(stepsFor(['pubkey', 'password', 'totp'], false));
  assert.deepEqual(c.offer(['password', 'totp']), { kind: 'out-of-order', methodsLeft: ['publickey'] });
  assert.equal(c.offer(['publickey']).kind, 'partial');
  assert.deepEqual(c.offer(['password', 'totp']), { kind: 'success' });
});

test('method names: aliases map, duplicates collapse, unknown names throw', () => {
  assert.equal(stepOf('pubkey'), 'publickey');
  assert.equal(stepOf('keyboard-interactive'), 'password');
  assert.deepEqual(stepsFor(['password', 'keyboard-interactive'], false), ['password']);
  assert.throws(() => stepOf('kerberos'), /unknown auth method/);
  assert.throws(() => new AuthChain([]), /at least one step/);
  assert.deepEqual(methodsFor('totp'), ['keyboard-interactive']);
});
