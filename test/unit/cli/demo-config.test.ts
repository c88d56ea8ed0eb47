import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from '../../../src/config/load.js';
import { buildDemoConfig, DEMO_USERS } from '../../../src/cli/demo/config.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA';

function demo(): ReturnType<typeof buildConfig>['config'] {
  const raw = buildDemoConfig({ sshPort: 0, socks5Port: 0, apiPort: 0, dataDir: '/tmp/sks5-demo-x', apiToken: 'x'.repeat(32), passwordHashes: [HASH, HASH, HASH], target: { host: '127.0.0.1', port: 4321 } });
  return buildConfig(structuredClone(raw) as Record<string, unknown>, 'demo', { fileExists: () => true }).config;
}

test('the demo config is valid, binds every listener to 127.0.0.1, and has the three users', () => {
  const c = demo();
  for (const addr of [c.server.ssh_listen, c.server.socks5_listen, c.api.listen, c.metrics.listen]) assert.match(addr ?? '', /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(c.users.map((u) => u.username), [...DEMO_USERS]);
  assert.equal(c.api.enabled, true);
  assert.equal(c.persistence.data_dir, '/tmp/sks5-demo-x');
});

test('the anti-SSRF guard is off only because the ACL allows nothing but the demo target', () => {
  const c = demo();
  assert.equal(c.security.ip_guard_enabled, false);
  assert.equal(c.acl.default_policy, 'deny');
  assert.deepEqual(c.acl.allow, ['127.0.0.1:4321']);
  for (const u of c.users) assert.deepEqual([u.acl.allow, u.acl.default_policy], [[], undefined], `${u.username} adds no rule of its own`);
});
