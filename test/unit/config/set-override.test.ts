import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySetOverrides } from '../../../src/config/set-override.js';

const defaults = { limits: { max_connections: 1000 }, security: { ban_enabled: true, ban_whitelist: [] as string[] }, users: [{ allow_shell: true }] };

test('values take the type of the existing or default value', () => {
  const raw: Record<string, unknown> = { server: { banner: 'hi' } };
  const r = applySetOverrides(raw, ['limits.max_connections=500', 'security.ban_enabled=false', 'security.ban_whitelist=10.0.0.1, 10.0.0.2', 'server.banner=123'], defaults);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(raw, { server: { banner: '123' }, limits: { max_connections: 500 }, security: { ban_enabled: false, ban_whitelist: ['10.0.0.1', '10.0.0.2'] } });
});

test('without a known type the value is read as TOML, else as a string', () => {
  const raw: Record<string, unknown> = {};
  applySetOverrides(raw, ['a.n=42', 'a.b=true', 'a.list=["x", "y"]', 'a.addr=0.0.0.0:1080', 'a.when=2030-01-01T00:00:00Z', 'a.q="quoted"'], {});
  assert.deepEqual(raw, { a: { n: 42, b: true, list: ['x', 'y'], addr: '0.0.0.0:1080', when: '2030-01-01T00:00:00Z', q: 'quoted' } });
});

test('indexes work as users[0].x and users.0.x', () => {
  const raw: Record<string, unknown> = { users: [{ username: 'a' }] };
  applySetOverrides(raw, ['users[0].allow_shell=no', 'users.0.group=staff'], defaults);
  assert.deepEqual(raw['users'], [{ username: 'a', allow_shell: false, group: 'staff' }]);
});

test('malformed items and prototype keys are issues, not crashes', () => {
  const raw: Record<string, unknown> = {};
  const r = applySetOverrides(raw, ['=1', 'noequals', 'a..b=1', '__proto__.x=1', 'limits.max_connections=many'], defaults);
  assert.equal(r.issues.length, 5, r.issues.join('\n'));
  assert.equal(({} as Record<string, unknown>)['x'], undefined);
  assert.deepEqual(raw, {});
});

test('an index past the end of a list is refused; the next index appends', () => {
  const raw: Record<string, unknown> = { users: [{ username: 'a' }] };
  const r = applySetOverrides(raw, ['users[3].username=x', 'users[1].username=b'], defaults);
  assert.deepEqual(r.issues, ['--set users[3].username=x: index 3 is past the end (1 entries)']);
  assert.deepEqual(raw['users'], [{ username: 'a' }, { username: 'b' }]);
});

test('origins record which --set produced a key', () => {
  const r = applySetOverrides({}, ['users[0].group=x'], defaults);
  assert.equal(r.origins.get('users[0].group'), '--set users[0].group');
});
