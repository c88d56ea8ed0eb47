import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keysAt, suggestKey } from '../../../src/config/key-suggest.js';
import { configSchema } from '../../../src/config/schema.js';

test('keysAt walks through defaults, optionals and arrays', () => {
  assert.ok(keysAt(configSchema, []).includes('server'));
  assert.ok(keysAt(configSchema, ['limits']).includes('max_connections'));
  assert.ok(keysAt(configSchema, ['users', 0, 'acl']).includes('inherit'));
  assert.ok(keysAt(configSchema, ['persistence', 'userdata']).includes('bookmarks_max'));
  assert.deepEqual(keysAt(configSchema, ['nope']), []);
});

test('suggestions for close typos only', () => {
  assert.equal(suggestKey(configSchema, ['limits'], 'max_conection'), 'max_connections');
  assert.equal(suggestKey(configSchema, ['server'], 'SSH_LISTEN'), 'ssh_listen');
  assert.equal(suggestKey(configSchema, [], 'sever'), 'server');
  assert.equal(suggestKey(configSchema, ['limits'], 'completely_unrelated_key'), undefined);
});
