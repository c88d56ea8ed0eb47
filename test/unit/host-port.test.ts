// The one host:port grammar: listen addresses, sshgate routes, CONNECT targets, health-check probes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinHostPort, parseListenAddress, splitHostPort } from '../../src/host-port.js';

test('accepted forms', () => {
  assert.deepEqual(splitHostPort('0.0.0.0:1080'), { ok: true, host: '0.0.0.0', port: 1080 });
  assert.deepEqual(splitHostPort('[::1]:22'), { ok: true, host: '::1', port: 22 });
  assert.deepEqual(splitHostPort(':22'), { ok: true, host: '', port: 22 });
  assert.deepEqual(splitHostPort('example.com:0'), { ok: true, host: 'example.com', port: 0 });
});

test('the port: 65535 is the last one, 65536 and six digits are refused', () => {
  assert.equal(splitHostPort('h:65535').ok, true);
  for (const bad of ['h:65536', 'h:000001', 'h:', 'h:8o', 'h:-1', 'h: 80']) {
    const r = splitHostPort(bad);
    assert.ok(!r.ok && r.problem === 'bad-port', bad);
  }
});

test('each structural problem is named', () => {
  const problem = (t: string): string | undefined => { const r = splitHostPort(t); return r.ok ? undefined : r.problem; };
  assert.equal(problem('host'), 'missing-port');
  assert.equal(problem('[::1'), 'unclosed-bracket');
  assert.equal(problem('[::1]22'), 'unclosed-bracket');
  assert.equal(problem('[1.2.3.4]:22'), 'not-ipv6');
  assert.equal(problem('::1:22'), 'unbracketed-ipv6');
});

test('joinHostPort is the inverse: brackets for an IPv6 literal only', () => {
  assert.equal(joinHostPort('2001:db8::1', 53), '[2001:db8::1]:53');
  assert.equal(joinHostPort('10.0.0.1', 53), '10.0.0.1:53');
  assert.equal(joinHostPort('name.example', 0), 'name.example:0');
  for (const t of ['[::1]:22', '0.0.0.0:22', 'name:22']) {
    const r = splitHostPort(t);
    assert.ok(r.ok && joinHostPort(r.host, r.port) === t, t);
  }
});

test('parseListenAddress: an empty host is every interface, and a bad address throws with its text', () => {
  assert.deepEqual(parseListenAddress(':22'), { host: '::', port: 22 });
  assert.deepEqual(parseListenAddress('[::1]:2222'), { host: '::1', port: 2222 });
  assert.deepEqual(parseListenAddress('0.0.0.0:1080'), { host: '0.0.0.0', port: 1080 });
  assert.throws(() => parseListenAddress('0.0.0.0:99999'), /listen address "0.0.0.0:99999": bad port/);
  assert.throws(() => parseListenAddress('localhost'), /listen address "localhost": expected HOST:PORT/);
});
