import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFromPatterns, compileSourceAddress, MAX_PATTERN_LIST_LENGTH } from '../../../src/auth/source-pattern.js';

test('from=: IPv4/IPv6 CIDR, bare address, wildcards', () => {
  const m = compileFromPatterns('10.0.0.0/8,2001:db8::/32,192.0.2.7,172.16.*.?');
  assert.ok(m.matches('10.200.0.1'));
  assert.ok(m.matches('2001:db8::1'));
  assert.ok(m.matches('192.0.2.7'));
  assert.ok(m.matches('172.16.4.9'));
  assert.ok(!m.matches('172.16.4.10'));
  assert.ok(!m.matches('192.0.2.8'));
});

test('from=: a matching negation refuses even when a positive entry matches, in any order', () => {
  const m = compileFromPatterns('!10.0.0.1,10.0.0.0/24');
  assert.ok(!m.matches('10.0.0.1'));
  assert.ok(m.matches('10.0.0.2'));
  assert.ok(!compileFromPatterns('!10.0.0.1').matches('10.0.0.2'), 'only negations: nothing matches positively');
  assert.ok(!compileFromPatterns('10.0.0.0/24,!10.0.0.0/30').matches('10.0.0.3'));
});

test('from=: host-name patterns never match (no reverse DNS), * matches every address', () => {
  assert.ok(!compileFromPatterns('*.example.com').matches('10.0.0.1'));
  assert.ok(compileFromPatterns('*').matches('2001:db8::5'));
});

test('from=: malformed lists are refused at compile time', () => {
  assert.throws(() => compileFromPatterns(''), /empty entry/);
  assert.throws(() => compileFromPatterns('10.0.0.1,,10.0.0.2'), /empty entry/);
  assert.throws(() => compileFromPatterns('!'), /empty entry/);
  assert.throws(() => compileFromPatterns('10.0.0.0/40'), /prefix length/);
  assert.throws(() => compileFromPatterns('10.0.0.1 ; rm'), /characters/);
  assert.throws(() => compileFromPatterns('a'.repeat(MAX_PATTERN_LIST_LENGTH + 1)), /limit/);
  assert.doesNotThrow(() => compileFromPatterns(`${'1,'.repeat(100)}1`));
  assert.throws(() => compileFromPatterns(`${'1,'.repeat(300)}1`), /entries/);
});

test('source-address: CIDR/addresses only', () => {
  const m = compileSourceAddress('10.0.0.0/8,::1');
  assert.ok(m.matches('10.9.9.9'));
  assert.ok(m.matches('::1'));
  assert.ok(!m.matches('11.0.0.1'));
  assert.ok(!m.matches('not-an-ip'));
  assert.throws(() => compileSourceAddress('10.0.0.*'), /not an IP address/);
});
