import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAbsoluteTarget, parseConnectTarget } from '../../../src/http/target.js';

test('CONNECT authority-form: names, IPv4, bracketed IPv6; the port is required', () => {
  assert.deepEqual(parseConnectTarget('example.com:443'), { ok: true, value: { host: 'example.com', port: 443 } });
  assert.deepEqual(parseConnectTarget('10.0.0.1:22'), { ok: true, value: { host: '10.0.0.1', port: 22 } });
  assert.deepEqual(parseConnectTarget('[::1]:8443'), { ok: true, value: { host: '::1', port: 8443 } });
  assert.deepEqual(parseConnectTarget('host.example.:80'), { ok: true, value: { host: 'host.example', port: 80 } });
  for (const bad of ['example.com', ':443', 'example.com:', 'example.com:0', 'example.com:65536', 'example.com:44a', '::1:443', '[::1]', '[nope]:1', 'a b:80', 'a/b:80', '[::1]443']) {
    assert.equal(parseConnectTarget(bad).ok, false, bad);
  }
  assert.equal(parseConnectTarget('x:65535').ok, true);
});

test('absolute-form: host, default port 80, path and query byte for byte, no fragment', () => {
  assert.deepEqual(parseAbsoluteTarget('http://example.com/a/../b%2f?q=1#frag'), { ok: true, value: { host: 'example.com', port: 80, path: '/a/../b%2f?q=1', authority: 'example.com' } });
  assert.deepEqual(parseAbsoluteTarget('HTTP://Example.com:8080'), { ok: true, value: { host: 'example.com', port: 8080, path: '/', authority: 'example.com:8080' } });
  assert.deepEqual(parseAbsoluteTarget('http://[::1]:81?x'), { ok: true, value: { host: '::1', port: 81, path: '/?x', authority: '[::1]:81' } });
});

test('absolute-form refusals name the reason', () => {
  const reason = (u: string): string => { const r = parseAbsoluteTarget(u); return r.ok ? 'ok' : r.reason; };
  assert.match(reason('https://example.com/'), /CONNECT/);
  assert.match(reason('/index.html'), /absolute http:\/\/ URL or CONNECT/);
  assert.match(reason('ftp://example.com/'), /unsupported/);
  assert.match(reason('http://user:pw@example.com/'), /credentials/);
  assert.match(reason('http://exa mple.com/'), /valid/);
  assert.match(reason('http://example.com:99999/'), /valid URL|port/);
});
