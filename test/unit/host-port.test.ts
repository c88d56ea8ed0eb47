// The one host:port grammar: listen addresses, sshgate routes, CONNECT targets, health-check probes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitHostPort } from '../../src/host-port.js';

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
