import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVirtualFs } from '../../../src/shell/vfs.js';

const vfs = createVirtualFs({ username: 'bob', hostname: 'gw', version: '9.9' });

test('resolve normalises ., .., ~ and never climbs above /', () => {
  assert.equal(vfs.resolve('/home/bob', '.'), '/home/bob');
  assert.equal(vfs.resolve('/home/bob', '../../../..'), '/');
  assert.equal(vfs.resolve('/etc', '~/x/../y'), '/home/bob/y');
  assert.equal(vfs.resolve('/etc', '/var//log/'), '/var/log');
  assert.equal(vfs.resolve('/', 'a'.repeat(2000)), undefined);
});

test('only the synthetic tree exists', () => {
  assert.equal(vfs.lookup('/etc/hostname')?.kind, 'file');
  assert.equal(vfs.lookup('/home/bob')?.kind, 'dir');
  assert.equal(vfs.lookup('/var/log')?.kind, 'dir');
  assert.equal(vfs.lookup('/tmp')?.kind, 'dir');
  for (const p of ['/etc/shadow', '/root', '/home/alice', '/proc', '/etc/hostname/x']) assert.equal(vfs.lookup(p), undefined, p);
  const host = vfs.lookup('/etc/hostname');
  assert.equal(host?.kind === 'file' ? host.content : '', 'gw\n');
});

test('display shortens the home directory to ~', () => {
  assert.equal(vfs.display('/home/bob'), '~');
  assert.equal(vfs.display('/home/bob/x'), '~/x');
  assert.equal(vfs.display('/home/bobby'), '/home/bobby');
  assert.equal(vfs.display('/etc'), '/etc');
});
