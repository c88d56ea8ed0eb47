import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSourceIps } from '../../../src/policy/source-ip.js';

test('source_ips: an empty list allows every address', () => {
  assert.equal(compileSourceIps([])('198.51.100.1'), true);
});

test('source_ips: IPv4 and IPv4-mapped IPv6 are one client, on either side of the list', () => {
  const allowed = compileSourceIps(['10.0.0.0/8', '::ffff:192.0.2.1', '2001:db8::/32']);
  assert.equal(allowed('10.1.2.3'), true);
  assert.equal(allowed('::ffff:10.1.2.3'), true);
  assert.equal(allowed('192.0.2.1'), true);
  assert.equal(allowed('2001:db8::1'), true);
  assert.equal(allowed('11.0.0.1'), false);
  assert.equal(allowed('2001:db9::1'), false);
  assert.equal(allowed('garbage'), false);
});
