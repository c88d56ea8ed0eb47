import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostPort } from '../../../src/cli/commands/health-check.js';
import { renderSshConfig } from '../../../src/cli/commands/ssh-config.js';

test('ssh-config renders a Host block with keepalives', () => {
  assert.equal(
    renderSshConfig({ host: 'bastion.example.com', user: 'alice', port: 2222, name: 'sks5-proxy', dynamicForward: '1080' }),
    'Host sks5-proxy\n    HostName bastion.example.com\n    Port 2222\n    User alice\n    DynamicForward 1080\n    ServerAliveInterval 30\n    ServerAliveCountMax 3\n',
  );
  assert.ok(!String(renderSshConfig({ host: 'h', port: 22, name: 'n' })).includes('User'));
});

test('ssh-config refuses values that would inject directives', () => {
  assert.deepEqual(renderSshConfig({ host: 'h\n    ProxyCommand evil', port: 22, name: 'n' }), { error: '--host: "h\n    ProxyCommand evil" contains characters not allowed in ssh_config' });
  assert.ok(typeof renderSshConfig({ host: 'h', user: 'a b', port: 22, name: 'n' }) === 'object');
  assert.ok(typeof renderSshConfig({ host: 'h', port: 70000, name: 'n' }) === 'object');
});

test('health-check address parsing', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:2222'), { host: '127.0.0.1', port: 2222 });
  assert.deepEqual(parseHostPort('[::1]:22'), { host: '::1', port: 22 });
  assert.deepEqual(parseHostPort('localhost:1'), { host: 'localhost', port: 1 });
  for (const bad of ['127.0.0.1', ':22', '127.0.0.1:0', '127.0.0.1:70000', '::1:22', 'a b:1']) assert.equal(parseHostPort(bad), undefined, bad);
});
