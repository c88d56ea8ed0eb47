import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSsrfGuard, guardRefusalHint, parseSsrfExemption } from '../../../src/policy/ssrf-guard.js';

test('an exemption opens exactly its address range and ports, nothing else', () => {
  const guard = compileSsrfGuard(true, ['127.0.0.1:8080', '10.0.0.0/8:443', '[::1]:9000-9010', '192.168.1.5:*']);
  assert.deepEqual(guard('127.0.0.1', 8080), { allow: true, exemption: '127.0.0.1:8080' });
  assert.deepEqual(guard('::ffff:127.0.0.1', 8080), { allow: true, exemption: '127.0.0.1:8080' }, 'mapped form is the same host');
  assert.equal(guard('127.0.0.1', 8081).allow, false);
  assert.equal(guard('127.0.0.2', 8080).allow, false);
  assert.equal(guard('10.200.3.4', 443).allow, true);
  assert.equal(guard('10.200.3.4', 80).allow, false);
  assert.equal(guard('::1', 9005).allow, true);
  assert.equal(guard('::1', 9011).allow, false);
  assert.equal(guard('192.168.1.5', 1).allow, true);
  assert.deepEqual(guard('169.254.169.254', 80), { allow: false, range: '169.254.169.254 (cloud metadata service: AWS, GCP, Azure, OCI, DigitalOcean)' });
  assert.deepEqual(guard('93.184.216.34', 80), { allow: true }, 'public addresses need no exemption');
});

test('with the guard off every address passes and exemptions are not consulted', () => {
  const guard = compileSsrfGuard(false, []);
  assert.deepEqual(guard('127.0.0.1', 22), { allow: true });
});

test('exemptions must be an address or CIDR with an explicit port', () => {
  for (const bad of ['127.0.0.1', '10.0.0.0/8', '::1', 'localhost:80', '*.internal:443', '*:80', '10.0.0.0/33:80', '127.0.0.1:0', '[::1]', '[::1]:x']) {
    assert.throws(() => parseSsrfExemption(bad), /invalid ACL rule/, bad);
  }
  assert.throws(() => parseSsrfExemption('localhost:80'), /host names are not accepted/);
  assert.throws(() => parseSsrfExemption('127.0.0.1'), /an exemption needs a port/);
  assert.deepEqual(parseSsrfExemption('[fd00::/8]:80-81').ports, { low: 80, high: 81 });
});

test('the refusal hint names both keys and the --set override, bracketing IPv6', () => {
  assert.match(guardRefusalHint('127.0.0.1', 8080), /security\.ip_guard_exemptions = \["127\.0\.0\.1:8080"\].*security\.ip_guard_enabled = false \(--set security\.ip_guard_enabled=false\)/);
  assert.match(guardRefusalHint('::1', 80), /\["\[::1\]:80"\]/);
});
