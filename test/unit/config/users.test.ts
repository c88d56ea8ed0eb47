import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeAcl } from '../../../src/config/users.js';

const global = { default_policy: 'deny' as const, allow: ['example.com:443', '*.internal:22'], deny: ['10.0.0.0/8:*'] };

test('a rule repeated by the group or the user is kept once, in its first place', () => {
  const group = { inherit: true, allow: ['*.internal:22', 'git.example.com:22'], deny: [] };
  const user = { inherit: true, allow: ['example.com:443', ' db.local:5432'], deny: ['10.0.0.0/8:*'] };
  assert.deepEqual(mergeAcl(global, group, user), {
    default_policy: 'deny',
    allow: ['example.com:443', '*.internal:22', 'git.example.com:22', 'db.local:5432'],
    deny: ['10.0.0.0/8:*'],
  });
});

test('inherit = false keeps only the user rules; a group with inherit = false drops the global ones', () => {
  assert.deepEqual(mergeAcl(global, undefined, { inherit: false, allow: ['a.example:1'], deny: [] }), { default_policy: 'allow', allow: ['a.example:1'], deny: [] });
  assert.deepEqual(mergeAcl(global, { inherit: false, allow: ['g.example:2'], deny: [] }, { inherit: true, allow: [], deny: [] }).allow, ['g.example:2']);
});
