import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { verifyPassword } from '../../../src/auth/password.js';
import { main } from '../../../src/cli/sks5.js';
import { parseConfigText } from '../../../src/config/load.js';
import { SECTIONS } from '../../../src/cli/wizard/sections.js';
import { SCRIPTED_ANSWERS, TYPED_PASSWORD } from './wizard-answers.js';

async function run(args: string[], answers?: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const stdin = new PassThrough();
  if (answers) stdin.write(answers.map((a) => `${a}\n`).join(''));
  stdin.end();
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t), env: {}, stdin });
  return { code, out, err };
}

const dir = (): string => mkdtempSync(join(tmpdir(), 'sks5-wizard-'));

test('the wizard has the original 14 sections in order', () => {
  assert.deepEqual(SECTIONS.map((s) => s.name), ['Server', 'Users', 'Security', 'ACL', 'API', 'Metrics', 'Logging', 'Groups', 'GeoIP', 'Webhooks', 'Alerting', 'Maintenance', 'Pool', 'Upstream']);
});

test('--non-interactive writes a valid, secure config and prints working credentials once', async () => {
  const file = join(dir(), 'config.toml');
  const r = await run(['wizard', '--non-interactive', '-o', file]);
  assert.equal(r.code, 0, r.err);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  const { config } = parseConfigText(text, file);
  assert.equal(config.users[0]?.username, 'admin');
  assert.equal(config.users[0]?.role, 'admin');
  assert.equal(config.security.ip_guard_enabled, true);
  assert.equal(config.security.ban_enabled, true);
  assert.equal(config.acl.default_policy, 'deny');
  assert.match(text, /^# +allow = \[/m, 'a commented allow example');
  assert.equal(config.api.enabled, true);
  assert.match(config.api.listen, /^127\.0\.0\.1:/);
  assert.equal(config.metrics.enabled, true);
  const password = /password: (\S+)/.exec(r.out)?.[1];
  const token = /API token: (\S+)/.exec(r.out)?.[1];
  assert.ok(password && password.length >= 20);
  assert.equal(token, config.api.token);
  assert.ok(await verifyPassword(config.users[0]?.password_hash, Buffer.from(password)));
  assert.ok(!text.includes(password), 'only the hash is written');
});

test('an existing file is kept unless --force', async () => {
  const file = join(dir(), 'config.toml');
  writeFileSync(file, 'keep me\n');
  const r = await run(['wizard', '--non-interactive', '-o', file]);
  assert.equal(r.code, 1);
  assert.match(r.err, /already exists; not overwriting it \(use --force/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me\n');
  const forced = await run(['wizard', '--non-interactive', '--force', '-o', file]);
  assert.equal(forced.code, 0, forced.err);
  assert.equal(parseConfigText(readFileSync(file, 'utf8'), file).config.users.length, 1);
});

test('without a terminal and without flags, the defaults are written (and it says so)', async () => {
  const file = join(dir(), 'config.toml');
  const r = await run(['wizard', '-o', file]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /not a terminal/);
  assert.ok(existsSync(file));
});

test('interactive answers end up in the file; invalid answers are re-asked with the schema message', async () => {
  const file = join(dir(), 'config.toml');
  const r = await run(['wizard', '--interactive', '-o', file], SCRIPTED_ANSWERS);
  assert.equal(r.code, 0, `${r.err}\n${r.out}`);
  // Every section was announced, in order.
  let at = 0;
  for (const s of SECTIONS) {
    const i = r.out.indexOf(`${s.name} ==`, at);
    assert.ok(i > at, s.name);
    at = i;
  }
  assert.match(r.out, /! server\.socks5_listen: expected HOST:PORT/);
  assert.match(r.out, /! acl\.allow\[1\]: invalid ACL rule "bad:rule"/);
  assert.match(r.out, /SSH listen address \(HOST:PORT\) \[0\.0\.0\.0:2222\]: /, 'defaults shown in brackets');
  assert.match(r.out, /== Summary ==/);
  assert.ok(!r.out.includes(TYPED_PASSWORD), 'a typed password is never echoed');

  const { config } = parseConfigText(readFileSync(file, 'utf8'), file);
  assert.equal(config.server.ssh_listen, '127.0.0.1:2022');
  assert.equal(config.server.socks5_listen, '127.0.0.1:1081');
  assert.deepEqual(config.users.map((u) => [u.username, u.role, u.allow_shell]), [['bob', 'admin', false], ['carol', 'user', false]]);
  assert.ok(await verifyPassword(config.users[0]?.password_hash, Buffer.from(TYPED_PASSWORD)));
  const carol = /username: carol\n\s+password: (\S+)/.exec(r.out)?.[1];
  assert.ok(carol, 'the generated password is printed');
  assert.ok(await verifyPassword(config.users[1]?.password_hash, Buffer.from(carol)));
  assert.equal(config.security.ban_threshold, 7);
  assert.deepEqual(config.acl.allow, ['example.com:443', '*.internal.example:22']);
  assert.equal(config.acl.default_policy, 'deny');
  assert.equal(config.api.enabled, false);
  assert.doesNotMatch(r.out, /API token:/, 'no token printed when the API is off');
  assert.equal(config.metrics.enabled, true, 'a skipped section keeps the defaults');
  assert.equal(config.logging.level, 'debug');
  assert.equal(config.logging.format, 'json');
  assert.equal(config.logging.audit_log_path, undefined);
});

test('input that ends early writes nothing and fails', async () => {
  const file = join(dir(), 'config.toml');
  const r = await run(['wizard', '--interactive', '-o', file], SCRIPTED_ANSWERS.slice(0, 6));
  assert.equal(r.code, 1);
  assert.match(r.err, /input ended before the wizard finished/);
  assert.ok(!existsSync(file));
});

test('--interactive and --non-interactive together are refused', async () => {
  const r = await run(['wizard', '--interactive', '--non-interactive', '-o', join(dir(), 'x.toml')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /exclude each other/);
});

test('the list and switch sections: groups, webhooks, alert rules, maintenance windows and the pool land in the file', async () => {
  const file = join(dir(), 'config.toml');
  const answers = [
    '', '', '', // Server: defaults
    'alice', 'a long enough password', '', '', 'n', // Users
    'n', 'n', 'n', 'n', 'n', // Security, ACL, API, Metrics, Logging skipped
    'y', 'y', 'ops', '100', '3', 'n', // Groups: one
    'y', 'n', // GeoIP configured, left off
    'y', 'y', 'https://hooks.example.net/sks5', '', '', 'n', // Webhooks: one
    'y', 'y', 'y', '', '', '5', '60', 'n', // Alerting on, one rule
    'y', 'y', '', 'back soon', 'n', 'n', // Maintenance: one window
    'y', 'y', '4', '30', // Pool on
    'n', // Upstream skipped
    '', // write
  ];
  const r = await run(['wizard', '--interactive', '-o', file], answers);
  assert.equal(r.code, 0, `${r.err}\n${r.out}`);
  const { config } = parseConfigText(readFileSync(file, 'utf8'), file);
  assert.deepEqual(config.groups.map((g) => [g.name, g.max_bandwidth_kbps, g.max_connections_per_user]), [['ops', 100, 3]]);
  assert.equal(config.geoip.enabled, false);
  assert.deepEqual(config.webhooks.map((w) => w.url), ['https://hooks.example.net/sks5']);
  assert.equal(config.alerting.enabled, true);
  assert.deepEqual(config.alerting.rules.map((a) => [a.name, a.condition, a.threshold, a.window_secs]), [['rule1', 'auth_failures', 5, 60]]);
  assert.deepEqual(config.maintenance_windows.map((m) => [m.schedule, m.message, m.disconnect_existing]), [['Sun 02:00-04:00', 'back soon', false]]);
  assert.equal(config.connection_pool.enabled, true);
  assert.equal(config.connection_pool.max_idle_per_host, 4);
  assert.equal(config.connection_pool.idle_timeout_secs, 30);
});
