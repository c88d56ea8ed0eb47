import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.js';
import { readEnvOverlay, sensitiveEnvNames } from '../../../src/config/env.js';
import { redactConfig } from '../../../src/config/redact.js';

const users = [{ username: 'alice', authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB alice'] }];

test('[cluster] defaults: no Redis (a single instance), prefix "sks5:"', () => {
  const c = configSchema.parse({ users });
  assert.deepEqual(c.cluster, { key_prefix: 'sks5:' });
});

test('redis_url: redis:// and rediss:// with user, password and db pass; anything else fails without echoing the value', () => {
  for (const url of ['redis://127.0.0.1:6379', 'rediss://u:p%40ss@db.example:6380/2', 'redis://:pw@h', 'redis://[::1]:6379/0']) {
    assert.equal(configSchema.safeParse({ users, cluster: { redis_url: url } }).success, true, url);
  }
  for (const url of ['http://h:1', 'redis://', 'redis:/h', 'h:6379', 'redis://u:topsecret@h/notadb', 'redis://u:topsecret@h/123']) {
    const r = configSchema.safeParse({ users, cluster: { redis_url: url } });
    assert.equal(r.success, false, url);
    if (!r.success) {
      assert.deepEqual(r.error.issues[0]?.path, ['cluster', 'redis_url']);
      assert.ok(!JSON.stringify(r.error.issues).includes('topsecret'), 'the password is not in the error');
    }
  }
});

test('node_name is printable ASCII without spaces; unknown keys are errors', () => {
  assert.equal(configSchema.safeParse({ users, cluster: { node_name: 'bastion 1' } }).success, false);
  assert.equal(configSchema.safeParse({ users, cluster: { node_name: 'bastion-1:2222' } }).success, true);
  assert.equal(configSchema.safeParse({ users, cluster: { redis: 'redis://h' } }).success, false);
});

test('SKS5_CLUSTER_REDIS_URL and its _FILE form set the URL; both are removed from the environment after reading', () => {
  const direct = readEnvOverlay({ SKS5_CLUSTER_REDIS_URL: 'redis://h:1', SKS5_CLUSTER_NODE_NAME: 'n1', SKS5_CLUSTER_KEY_PREFIX: 'x:' }, () => '');
  assert.deepEqual(direct.overlay, { cluster: { redis_url: 'redis://h:1', node_name: 'n1', key_prefix: 'x:' } });
  assert.deepEqual(direct.warnings, []);
  const file = readEnvOverlay({ SKS5_CLUSTER_REDIS_URL_FILE: '/run/secrets/redis' }, (p) => (p === '/run/secrets/redis' ? 'rediss://:pw@h:2\n' : ''));
  assert.deepEqual(file.overlay, { cluster: { redis_url: 'rediss://:pw@h:2' } });
  assert.deepEqual(sensitiveEnvNames({ SKS5_CLUSTER_REDIS_URL: 'x', SKS5_CLUSTER_REDIS_URL_FILE: 'y', SKS5_CLUSTER_NODE_NAME: 'z' }).sort(), ['SKS5_CLUSTER_REDIS_URL', 'SKS5_CLUSTER_REDIS_URL_FILE']);
});

test('show-config hides the Redis password, keeps the user and host', () => {
  const c = configSchema.parse({ users, cluster: { redis_url: 'rediss://ops:hunter2@db.example:6380/1' } });
  const shown = redactConfig(c) as { cluster: { redis_url: string } };
  assert.equal(shown.cluster.redis_url, 'rediss://ops:***@db.example:6380/1');
  assert.equal(c.cluster.redis_url, 'rediss://ops:hunter2@db.example:6380/1', 'the input is untouched');
});
