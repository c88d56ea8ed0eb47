import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellPermissionsSchema, type ShellPermissions } from '../../../src/config/schema.js';
import { chooseMotd, DEFAULT_MOTD_TEMPLATE, MOTD_VARIABLES, renderMotd, type MotdValues } from '../../../src/shell/motd.js';
import { loadMotdFile, MOTD_FILE_MAX_BYTES } from '../../../src/shell/settings.js';
import { makeSettings, makeUser, T0 } from './shell-fixtures.js';

const VALUES: MotdValues = {
  user: 'alice', hostname: 'bastion', authMethod: 'publickey', sourceIp: '198.51.100.4', connections: 3,
  aclPolicy: 'deny', allowed: ['*.example.com:443'], denied: ['10.0.0.0/8:*', 'evil.com:*'],
  expiresAt: Date.parse('2027-06-30T23:59:59Z'), bandwidthUsed: 1536, bandwidthLimitKbps: 10240,
  lastLogin: Date.parse('2026-11-24T08:30:00Z'), uptimeSecs: 90061, version: '0.1.0', group: 'ops', role: 'admin', now: T0,
};
const ALL = shellPermissionsSchema.parse({});
const plain = (template: string, v: Partial<MotdValues> = {}, perms: Partial<ShellPermissions> = {}): string =>
  renderMotd(template, { ...VALUES, ...v }, { colors: false, permissions: { ...ALL, ...perms } });

test('every variable renders, in human units', () => {
  const t = MOTD_VARIABLES.map((v) => `${v}={${v}}`).join('\n');
  assert.equal(plain(t), [
    'user=alice', 'hostname=bastion', 'auth_method=publickey', 'source_ip=198.51.100.4', 'connections=3', 'acl_policy=deny',
    'allowed=*.example.com:443', 'denied=10.0.0.0/8:*, evil.com:*', 'expires_at=2027-06-30T23:59:59Z', 'bandwidth_used=1.5 KiB',
    'bandwidth_limit=10 Mbit/s', 'last_login=2026-11-24T08:30:00Z', 'uptime=1d 1h 1m', 'version=0.1.0', 'group=ops', 'role=admin',
  ].join('\n'));
});

test('absent values have words, not blanks', () => {
  assert.equal(plain('{expires_at}|{last_login}|{group}|{bandwidth_limit}|{allowed}', { expiresAt: undefined, lastLogin: undefined, group: undefined, bandwidthLimitKbps: 0, allowed: [] }),
    'never|first login|none|unlimited|none');
});

test('bandwidth_limit is a rate from kbps (the original printed kbps*128 as bytes)', () => {
  assert.equal(plain('{bandwidth_limit}', { bandwidthLimitKbps: 512 }), '512 kbit/s');
  assert.equal(plain('{bandwidth_limit}', { bandwidthLimitKbps: 1536 }), '1.5 Mbit/s');
  assert.equal(plain('{bandwidth_limit}', { bandwidthLimitKbps: 2 * 1024 * 1024 }), '2 Gbit/s');
});

test('each visibility flag blanks its placeholders; a line left with only blanked placeholders is dropped', () => {
  const cases: [keyof ShellPermissions, string][] = [
    ['show_role', 'role'], ['show_group', 'group'], ['show_expires', 'expires_at'], ['show_source_ip', 'source_ip'],
    ['show_auth_method', 'auth_method'], ['show_uptime', 'uptime'], ['show_quota', 'bandwidth_used'], ['show_quota', 'bandwidth_limit'],
    ['show_bandwidth', 'bandwidth_used'], ['show_acl', 'acl_policy'], ['show_acl', 'allowed'], ['show_acl', 'denied'],
    ['show_connections', 'connections'], ['show_history', 'last_login'],
  ];
  for (const [flag, variable] of cases) {
    const t = `head\nLabel: {${variable}}\nmixed {user} {${variable}}\ntail`;
    assert.equal(plain(t, {}, { [flag]: false }), 'head\nmixed alice \ntail', `${flag} hides {${variable}}`);
    assert.match(plain(t), new RegExp(`Label: .+`), `${variable} shown when ${flag} is on`);
  }
  // user, hostname and version are never hidden.
  const none = Object.fromEntries(Object.keys(ALL).map((k) => [k, false]));
  assert.equal(plain('{user} {hostname} {version}', {}, none), 'alice bastion 0.1.0');
});

test('colour tags become ANSI with colours on and vanish with colours off', () => {
  const t = '{green}ok{reset} {bold}{red}bad{reset}';
  assert.equal(plain(t), 'ok bad');
  assert.equal(renderMotd(t, VALUES, { colors: true, permissions: ALL }), '\x1b[32mok\x1b[0m \x1b[1m\x1b[31mbad\x1b[0m');
});

test('raw ANSI in the template passes with colours on and is stripped with colours off; other controls never pass', () => {
  const t = '\x1b[35mpurple\x1b[0m\x07\x00!';
  assert.equal(renderMotd(t, VALUES, { colors: true, permissions: ALL }), '\x1b[35mpurple\x1b[0m!');
  assert.equal(plain(t), 'purple!');
});

test('values are highlighted with colours on: user, policy, admin role, rules, expiry within a week', () => {
  const c = (t: string, v: Partial<MotdValues> = {}): string => renderMotd(t, { ...VALUES, ...v }, { colors: true, permissions: ALL });
  assert.equal(c('{user}'), '\x1b[1m\x1b[36malice\x1b[0m');
  assert.equal(c('{acl_policy}'), '\x1b[31mdeny\x1b[0m');
  assert.equal(c('{acl_policy}', { aclPolicy: 'allow' }), '\x1b[32mallow\x1b[0m');
  assert.equal(c('{role}'), '\x1b[1m\x1b[35madmin\x1b[0m');
  assert.equal(c('{role}', { role: 'user' }), 'user');
  assert.equal(c('{denied}'), '\x1b[31m10.0.0.0/8:*\x1b[0m, \x1b[31mevil.com:*\x1b[0m');
  assert.equal(c('{expires_at}', { expiresAt: T0 + 3 * 86400_000 }), '\x1b[33m2026-11-28T10:00:00Z\x1b[0m');
  assert.equal(c('{expires_at}'), '2027-06-30T23:59:59Z');
});

test('a colour left open by the template is reset before the prompt', () => {
  assert.equal(renderMotd('{red}alert\n', VALUES, { colors: true, permissions: ALL }), '\x1b[31malert\x1b[0m\n');
});

test('rendering is one pass: placeholders inside values are printed, not expanded', () => {
  assert.equal(plain('{group}', { group: '{role}' }), '{role}');
  assert.equal(plain('{unknown} {user'), '{unknown} {user');
  assert.equal(plain('{source_ip}', { sourceIp: 'a\x1b[2Jb' }), 'a\ufffd[2Jb');
});

test('CRLF in a template is normalised', () => {
  assert.equal(plain('a\r\nb\rc'), 'a\nb\nc');
});

test('the default template renders with no leftover placeholders', () => {
  const out = plain(DEFAULT_MOTD_TEMPLATE);
  assert.doesNotMatch(out, /\{[a-z_]+\}/);
  assert.match(out, /welcome, alice/);
  const hidden = plain(DEFAULT_MOTD_TEMPLATE, {}, { show_role: false, show_group: false, show_uptime: false });
  assert.doesNotMatch(hidden, /Role:|Group:|uptime/);
});

test('chooseMotd: user/group motd replaces the global one; template falls back to global, then motd_path, then built-in', () => {
  const settings = makeSettings({ motd: { template: 'GLOBAL {user}' } });
  assert.equal(chooseMotd(settings, makeUser()).template, 'GLOBAL {user}');
  assert.equal(chooseMotd(settings, makeUser({ motd: { template: 'MINE' } })).template, 'MINE');
  assert.equal(chooseMotd(settings, makeUser({ motd: { enabled: false } })).enabled, false);
  const grouped = makeUser({ group: 'ops' }, { groups: [{ name: 'ops', motd: { template: 'GROUP', colors: false } }], motd: { template: 'GLOBAL' } });
  const gs = makeSettings({ motd: { template: 'GLOBAL' } });
  assert.deepEqual(chooseMotd(gs, grouped), { enabled: true, colors: false, template: 'GROUP' });
  assert.equal(chooseMotd(makeSettings({}, 'FROM FILE'), makeUser()).template, 'FROM FILE');
  assert.equal(chooseMotd(makeSettings(), makeUser()).template, DEFAULT_MOTD_TEMPLATE);
  assert.equal(chooseMotd(makeSettings(), makeUser({ colors: false })).colors, false, "a user's colors = false wins");
});

test('loadMotdFile reads a file once and refuses one over the cap', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-motd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ok = join(dir, 'motd');
  writeFileSync(ok, 'Hello {user}\n');
  assert.equal(loadMotdFile(ok), 'Hello {user}\n');
  const exact = join(dir, 'exact');
  writeFileSync(exact, 'x'.repeat(MOTD_FILE_MAX_BYTES));
  assert.equal(loadMotdFile(exact).length, MOTD_FILE_MAX_BYTES);
  const big = join(dir, 'big');
  writeFileSync(big, 'x'.repeat(MOTD_FILE_MAX_BYTES + 1));
  assert.throws(() => loadMotdFile(big), /server\.motd_path: .* the limit is 16384/);
  const bin = join(dir, 'bin');
  writeFileSync(bin, Buffer.from([0x41, 0x00, 0x42]));
  assert.throws(() => loadMotdFile(bin), /not a text file/);
  assert.throws(() => loadMotdFile(join(dir, 'missing')), /ENOENT/);
});
