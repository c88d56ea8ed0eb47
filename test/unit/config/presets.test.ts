import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, parseConfigText } from '../../../src/config/load.js';
import { buildMinimalConfig, buildPreset, buildQuickStartConfig, generatePassword, generateTotpSecret, PRESETS } from '../../../src/config/presets.js';
import { toToml } from '../../../src/config/toml-write.js';
import { SECRET_HASH } from './fixtures.js';

const input = { username: 'ops', passwordHash: SECRET_HASH };

for (const name of PRESETS) {
  test(`preset ${name} validates, also after a round trip through TOML`, () => {
    const { config } = buildPreset(name, input);
    const loaded = buildConfig(structuredClone(config) as Record<string, unknown>, name);
    assert.equal(loaded.config.users[0]?.username, 'ops');
    const again = parseConfigText(toToml(config as Record<string, unknown>, ['header']), `${name}.toml`);
    assert.deepEqual(again.config, loaded.config);
  });
}

test('bastion: deny-default ACL, TOTP for both protocols with a generated secret, JSON logs, API on', () => {
  const { config, generated } = buildPreset('bastion', input);
  const c = buildConfig(structuredClone(config) as Record<string, unknown>, 'b').config;
  assert.equal(c.acl.default_policy, 'deny');
  assert.deepEqual(c.security.totp_required_for, ['ssh', 'socks5']);
  assert.equal(c.security.ban_threshold, 3);
  assert.equal(c.security.ban_duration, 3600);
  assert.equal(c.limits.idle_timeout, 600);
  assert.equal(c.logging.format, 'json');
  assert.equal(c.api.enabled, true);
  assert.equal(c.users[0]?.role, 'admin');
  assert.deepEqual(c.users[0]?.acl.allow, ['*:443', '*:80', '*:8080', '*:8443']);
  assert.equal(c.users[0]?.totp_secret, generated.totpSecret);
  assert.equal(c.api.token, generated.apiToken);
  assert.ok((generated.apiToken ?? '').length >= 16);
});

test('proxy: SOCKS5 on, DNS cache 300, retry 2, 50 per user', () => {
  const c = buildConfig(structuredClone(buildPreset('proxy', input).config) as Record<string, unknown>, 'p').config;
  assert.equal(c.server.socks5_listen, '0.0.0.0:1080');
  assert.equal(c.server.dns_cache_ttl, 300);
  assert.equal(c.server.connect_retry, 2);
  assert.equal(c.limits.max_connections_per_user, 50);
});

test('dev: loopback only, debug logging', () => {
  const c = buildConfig(structuredClone(buildPreset('dev', input).config) as Record<string, unknown>, 'd').config;
  assert.match(c.server.ssh_listen, /^127\.0\.0\.1:/);
  assert.match(c.server.socks5_listen ?? '', /^127\.0\.0\.1:/);
  assert.match(c.api.listen, /^127\.0\.0\.1:/);
  assert.equal(c.logging.level, 'debug');
});

test('a provided API token and TOTP secret are used and not reported as generated', () => {
  const r = buildPreset('bastion', { ...input, apiToken: 'my-own-token-0123456789', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DP' });
  assert.deepEqual(r.generated, {});
});

test('minimal and quick-start configs validate', () => {
  assert.equal(buildConfig(buildMinimalConfig(input) as Record<string, unknown>, 'm').config.server.ssh_listen, '0.0.0.0:2222');
  const q = buildConfig(buildQuickStartConfig({ ...input, sshListen: '127.0.0.1:0', socks5Listen: '127.0.0.1:0' }) as Record<string, unknown>, 'q').config;
  assert.equal(q.server.socks5_listen, '127.0.0.1:0');
});

test('generated passwords are 20 characters and differ; TOTP secrets are 32 base32 characters', () => {
  const a = generatePassword();
  assert.equal(a.length, 20);
  assert.notEqual(a, generatePassword());
  assert.match(generateTotpSecret(), /^[A-Z2-7]{32}$/);
});
