import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unmapIpv4Text } from '../../../src/policy/ip-address.js';
import { joinHostPort } from '../../../src/host-port.js';
import { parseHostPort, parseRoute } from '../../../src/gate/routes.js';

test('routes split at the first = and accept Go listen forms', () => {
  const r = parseRoute('[::]:22=127.0.0.1:2222');
  assert.deepEqual(r.listenAddr, { host: '::', port: 22 });
  assert.deepEqual(r.backendAddr, { host: '127.0.0.1', port: 2222 });
  assert.equal(r.listen, '[::]:22');
  assert.deepEqual(parseRoute('0.0.0.0:22=localhost:22').listenAddr, { host: '0.0.0.0', port: 22 });
  assert.deepEqual(parseRoute(':22=backend.internal:22').listenAddr, { host: undefined, port: 22 });
  assert.deepEqual(parseRoute('[::1]:2222=[::1]:22').backendAddr, { host: '::1', port: 22 });
  assert.deepEqual(parseRoute(' :22 = sshd:22 ').backendAddr, { host: 'sshd', port: 22 });
});

test('bad routes fail with the original text and the value', () => {
  for (const bad of ['', 'x', '=a:1', ':22=', 'nonsense']) {
    assert.throws(() => parseRoute(bad), /^Error: route must be LISTEN=BACKEND/);
  }
  assert.throws(() => parseRoute(':22=:2222'), /needs a host/);
  assert.throws(() => parseRoute(':99999=a:1'), /invalid port "99999"/);
  assert.throws(() => parseRoute('::1:22=a:1'), /too many colons/);
  assert.throws(() => parseHostPort('[1.2.3.4]:1', 'listen'), /not an IPv6 address/);
  assert.throws(() => parseHostPort('host', 'backend'), /missing port/);
});

test('IPv4-mapped IPv6 is normalised to plain IPv4 as Go reports it', () => {
  assert.equal(unmapIpv4Text('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(unmapIpv4Text('::FFFF:203.0.113.7'), '203.0.113.7');
  assert.equal(unmapIpv4Text('2001:db8::1'), '2001:db8::1');
  // The gate's log line (gate/connection.ts) prints its local address this way, as Go does.
  assert.equal(joinHostPort(unmapIpv4Text('::ffff:127.0.0.1'), 41000), '127.0.0.1:41000');
  assert.equal(joinHostPort('::1', 41000), '[::1]:41000');
});
