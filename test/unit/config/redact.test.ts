import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'smol-toml';
import { redactConfig, redactUrl } from '../../../src/config/redact.js';
import { configSchema } from '../../../src/config/schema.js';
import { SECRET_HASH } from './fixtures.js';

const SECRETS = {
  hash: SECRET_HASH,
  totp: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  token: 'api-token-very-secret-1234',
  webhook: 'webhook-signing-secret',
  upstreamPass: 'upstream-pass-xyz',
  userUpstreamPass: 'user-upstream-pass',
  queryToken: 'slackquerytoken123',
};

const config = configSchema.parse({
  api: { enabled: true, token: SECRETS.token },
  upstream_proxy: { url: `socks5://me:${SECRETS.upstreamPass}@proxy.example.com:1080` },
  webhooks: [{ url: `https://hooks.example.com/x?token=${SECRETS.queryToken}`, secret: SECRETS.webhook }],
  alerting: { rules: [{ name: 'r', condition: 'auth_failures', threshold: 1, webhook_url: `https://u:${SECRETS.webhook}@alerts.example.com/` }] },
  users: [
    { username: 'alice', password_hash: SECRETS.hash, totp_enabled: true, totp_secret: SECRETS.totp },
    { username: 'bob', password_hash: SECRETS.hash, upstream_proxy: `socks5://bob:${SECRETS.userUpstreamPass}@p2.example.com:1080` },
  ],
});

test('no secret survives redaction, in JSON or TOML output', () => {
  const redacted = redactConfig(config);
  for (const text of [JSON.stringify(redacted), stringify(redacted)]) {
    for (const [name, secret] of Object.entries(SECRETS)) assert.ok(!text.includes(secret), `${name} leaked`);
  }
});

test('redaction keeps the shape and the non-secret values', () => {
  const r = redactConfig(config) as { users: { username: string; password_hash: string; totp_secret: string }[]; api: { token: string; listen: string }; upstream_proxy: { url: string } };
  assert.equal(r.users[0]?.username, 'alice');
  assert.equal(r.users[0]?.password_hash, '***');
  assert.equal(r.users[0]?.totp_secret, '***');
  assert.equal(r.api.token, '***');
  assert.equal(r.api.listen, '127.0.0.1:9091');
  assert.equal(r.upstream_proxy.url, 'socks5://me:***@proxy.example.com:1080');
});

test('the input config is not modified', () => {
  redactConfig(config);
  assert.equal(config.users[0]?.password_hash, SECRET_HASH);
  assert.equal(config.api.token, SECRETS.token);
});

test('an empty API token stays empty (nothing to hide)', () => {
  const c = configSchema.parse({ users: [{ username: 'a', password_hash: SECRET_HASH }] });
  assert.equal((redactConfig(c) as { api: { token: string } }).api.token, '');
});

test('redactUrl hides passwords and query values; unparseable URLs are hidden whole', () => {
  assert.equal(redactUrl('socks5://u:p@h:1'), 'socks5://u:***@h:1');
  assert.equal(redactUrl('https://h/x?a=1&b=2'), 'https://h/x?a=***&b=***');
  assert.equal(redactUrl('socks5://u:p@[bad'), 'socks5://***');
  assert.equal(redactUrl('no scheme secret'), '***');
});
