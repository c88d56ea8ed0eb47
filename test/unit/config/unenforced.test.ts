import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.js';
import { UNENFORCED_KEYS, unenforcedWarnings } from '../../../src/config/unenforced.js';
import { keysAt } from '../../../src/config/key-suggest.js';
import { parsePath } from '../../../src/config/object-path.js';
import { SECRET_HASH } from './fixtures.js';

const user = { username: 'a', password_hash: SECRET_HASH };

test('defaults produce no warnings', () => {
  assert.deepEqual(unenforcedWarnings(configSchema.parse({ users: [user] })), []);
});

test('one warning per unenforced key set to a non-default value, explaining why', () => {
  const c = configSchema.parse({ connection_pool: { enabled: true, max_idle_per_host: 3 }, server: { bookmarks_path: '/b' }, users: [user] });
  const w = unenforcedWarnings(c);
  assert.equal(w.length, 3, w.join('\n'));
  assert.match(w[0] ?? '', /^connection_pool\.enabled is accepted but not enforced: .*must not reuse raw streams/);
});

test('setting a key to its default value does not warn', () => {
  assert.deepEqual(unenforcedWarnings(configSchema.parse({ connection_pool: { enabled: false }, users: [user] })), []);
});

test('every listed key exists in the schema', () => {
  for (const k of UNENFORCED_KEYS) {
    const path = parsePath(k.path.replace('[]', '[0]'));
    assert.ok(path, k.path);
    assert.ok(keysAt(configSchema, path.slice(0, -1)).includes(path.at(-1) as string), `${k.path} not in schema`);
  }
});
