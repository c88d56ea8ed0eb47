import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../../src/config/load.js';
import { concernsRemoved } from '../../../src/config/prune-invalid.js';
import { SECRET_HASH } from './fixtures.js';

function problems(text: string): readonly string[] {
  try {
    parseConfigText(text, 'c.toml', { fileExists: () => true });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

test('schema errors, ACL rules, CIDRs, time zones and cross-key rules come out in one pass', () => {
  const got = problems(`
[limits]
max_connections = "lots"
[api]
enabled = true
token = "short"
[acl]
default_policy = "deny"
allow = ["10.0.0.0/33:80", "example.com:99999"]
denny = ["10.0.0.0/8:*"]
[[users]]
username = "alice"
password_hash = "${SECRET_HASH}"
group = "nope"
source_ips = ["10.0.0.0/99"]
[users.time_access]
access_hours = "25:00-26:00"
[[users]]
username = "alice"
password_hash = "${SECRET_HASH}"
[users.time_access]
timezone = "Mars/Olympus"
`);
  const expected = [
    // unknown keys elsewhere are warnings (unknown-keys.ts); inside an ACL table they stay errors
    'acl.denny: unknown key',
    'limits.max_connections: expected number',
    'users[0].time_access.access_hours: expected HH:MM-HH:MM',
    'api.token: must be at least 16',
    'acl.allow[0]: invalid ACL rule "10.0.0.0/33:80"',
    'acl.allow[1]: invalid ACL rule "example.com:99999"',
    'users[1].username: duplicate username "alice"',
    'users[1].time_access: timezone "Mars/Olympus" is not a known IANA time zone',
  ];
  for (const e of expected) assert.ok(got.some((p) => p.startsWith(e)), `missing "${e}" in\n${got.join('\n')}`);
  assert.ok(got.some((p) => p.startsWith('users[0].source_ips')), got.join('\n'));
});

test('a problem about a removed value is not reported twice (once by the schema, once for its default)', () => {
  const got = problems(`
[api]
enabled = true
token = 12
[[users]]
username = "alice"
password_hash = 12
`);
  assert.deepEqual(got.filter((p) => p.startsWith('api.token')).length, 1, got.join('\n'));
  assert.ok(!got.some((p) => p.includes('nobody can log in')), got.join('\n'));
  assert.ok(got.some((p) => p.startsWith('users[0].password_hash: expected string')), got.join('\n'));
});

test('when the rest cannot be parsed either, the schema problems are still all reported', () => {
  const got = problems('[server]\nssh_listen = 5\n');
  assert.ok(got.some((p) => p.startsWith('server.ssh_listen')), got.join('\n'));
  assert.ok(got.some((p) => p.startsWith('users')), got.join('\n'));
});

test('concernsRemoved matches the path, its parents and its children, not siblings with a common prefix', () => {
  const removed = ['users[0].password_hash', 'limits'];
  assert.equal(concernsRemoved('users[0].password_hash: x', removed), true);
  assert.equal(concernsRemoved('users[0]: nobody can log in', removed), true);
  assert.equal(concernsRemoved('limits.max_connections: x', removed), true);
  assert.equal(concernsRemoved('users[1]: x', removed), false);
  assert.equal(concernsRemoved('users[0].password_hash_file: x', removed), false);
  assert.equal(concernsRemoved('limitsx: x', removed), false);
});
