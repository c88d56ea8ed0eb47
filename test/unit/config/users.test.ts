import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.js';
import { mergeAcl, resolveUsers } from '../../../src/config/users.js';

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

test('source_ips and time_access are compiled when the config is loaded, with the group window inherited', () => {
  const config = configSchema.parse({
    groups: [{ name: 'day', time_access: { access_hours: '09:00-17:00' } }],
    users: [
      { username: 'anywhere', password_hash: 'x' },
      { username: 'office', password_hash: 'x', group: 'day', source_ips: ['10.0.0.0/8', '2001:db8::/32'] },
    ],
  });
  const users = resolveUsers(config);
  const anywhere = users.get('anywhere');
  const office = users.get('office');
  assert.ok(anywhere && office);
  assert.equal(anywhere.sourceAllowed('192.0.2.1'), true, 'an empty list allows every address');
  assert.equal(anywhere.timeWindow, undefined);
  assert.equal(office.sourceAllowed('10.1.2.3'), true);
  assert.equal(office.sourceAllowed('::ffff:10.1.2.3'), true, 'IPv4-mapped is the IPv4 client');
  assert.equal(office.sourceAllowed('2001:db8::5'), true);
  assert.equal(office.sourceAllowed('192.0.2.1'), false);
  assert.equal(office.sourceAllowed('not-an-ip'), false);
  assert.equal(office.timeWindow?.check(Date.parse('2026-01-15T10:00:00Z')).allow, true);
  assert.equal(office.timeWindow?.check(Date.parse('2026-01-15T20:00:00Z')).allow, false);
});
