import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadHelperConfig, localAddressOf, publicHostOf } from '../../../src/cli/helper-config.js';

test('a wildcard bind is reached on loopback; a named one as written, IPv6 bracketed', () => {
  assert.equal(localAddressOf('0.0.0.0:2222'), '127.0.0.1:2222');
  assert.equal(localAddressOf('[::]:2222'), '[::1]:2222');
  assert.equal(localAddressOf(':9091'), '[::1]:9091');
  assert.equal(localAddressOf('10.1.2.3:22'), '10.1.2.3:22');
  assert.equal(localAddressOf('[fd00::5]:22'), '[fd00::5]:22');
});

test('ssh_config gets no host from a wildcard bind', () => {
  assert.deepEqual(publicHostOf('0.0.0.0:2200'), { host: undefined, port: 2200 });
  assert.deepEqual(publicHostOf('[::]:2200'), { host: undefined, port: 2200 });
  assert.deepEqual(publicHostOf('192.0.2.10:22'), { host: '192.0.2.10', port: 22 });
});

test('no config anywhere means built-in defaults; a named config that is missing is an error', () => {
  assert.deepEqual(loadHelperConfig({}, { SKS5_CONFIG: '/nonexistent/sks5.toml' }), { config: undefined, source: undefined });
  const named = loadHelperConfig({ config: '/nonexistent/sks5.toml' }, {});
  assert.ok('error' in named && /file not found/.test(named.error));
});
