import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, loadConfigFromEnv, MAX_CONFIG_BYTES, parseConfigText } from '../../../src/config/load.js';
import fc from 'fast-check';
import { minimalToml, SECRET_HASH } from './fixtures.js';
import { verifyPassword } from '../../../src/auth/password.js';

function issuesOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected a ConfigError');
}

test('a minimal config gets every documented default', () => {
  const { config } = parseConfigText(minimalToml(), 'c.toml');
  assert.equal(config.server.ssh_listen, '0.0.0.0:2222');
  assert.equal(config.server.server_id, 'SSH-2.0-sks5');
  assert.equal(config.limits.max_connections, 1000);
  assert.equal(config.limits.connection_timeout, 300);
  assert.equal(config.security.ban_threshold, 5);
  assert.equal(config.security.argon2_memory_cost, 19456);
  assert.equal(config.logging.level, 'info');
  assert.equal(config.api.listen, '127.0.0.1:9091');
  assert.equal(config.acl.default_policy, 'allow');
  assert.equal(config.persistence.userdata.shell_history_max, 100);
  assert.equal(config.users[0]?.acl.inherit, true);
});

test('the returned config is deeply frozen', () => {
  const { config } = parseConfigText(minimalToml(), 'c.toml');
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.users[0]?.acl.allow));
  assert.throws(() => {
    (config.limits as { max_connections: number }).max_connections = 1;
  });
});

test('unknown keys in the file are dropped with a warning each: full path, and a suggestion', () => {
  const r = parseConfigText(minimalToml('[limits]\nmax_conection = 5\nbogus = 1\n[server]\nallow_forwarding = true\n'), 'c.toml');
  assert.ok(r.warnings.includes('limits.max_conection: unknown key, ignored (did you mean "max_connections"?)'), r.warnings.join('\n'));
  assert.ok(r.warnings.includes('limits.bogus: unknown key, ignored'), r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.startsWith('server.allow_forwarding: unknown key, ignored')));
  assert.equal(r.config.limits.max_connections, 1000, 'the default applies, as in the original');
  assert.equal('bogus' in r.config.limits, false);
});

test('unknown keys inside [[users]] carry the array index; inside an ACL table they stay an error', () => {
  const text = minimalToml() + `\n[[users]]\nusername = "bob"\npassword_hash = "${SECRET_HASH}"\npasword = "x"\n`;
  const r = parseConfigText(text, 'c.toml');
  assert.ok(r.warnings.some((w) => w.startsWith('users[1].pasword: unknown key, ignored')), r.warnings.join('\n'));
  // A dropped ACL key would be a rule the operator wrote and we do not apply.
  for (const table of ['[users.acl]', '[acl]']) {
    const issues = issuesOf(() => parseConfigText(`${text}${table}\nalow = ["x:1"]\n`, 'c.toml'));
    assert.ok(issues.some((i) => /^(users\[1\]\.)?acl\.alow: unknown key \(did you mean "allow"\?\)$/.test(i)), issues.join('\n'));
  }
  const group = issuesOf(() => parseConfigText(`${text}[[groups]]\nname = "g"\n[groups.acl]\ndenny = []\n`, 'c.toml'));
  assert.ok(group.some((i) => i.startsWith('groups[0].acl.denny: unknown key')), group.join('\n'));
});

test('an unknown top-level section is dropped with a warning', () => {
  const r = parseConfigText(minimalToml('[sever]\nssh_listen = "x"\n'), 'c.toml');
  assert.ok(r.warnings.some((w) => w.startsWith('sever: unknown key, ignored (did you mean "server"?)')), r.warnings.join('\n'));
});

test('wrong types and bad values name the key', () => {
  const text = minimalToml('[server]\nsocks5_listen = "nope"\nssh_auth_timeout = 5\n[limits]\nmax_connections = "many"\n[logging]\nlevel = "loud"\n');
  const issues = issuesOf(() => parseConfigText(text, 'c.toml'));
  assert.ok(issues.some((i) => i.startsWith('server.socks5_listen: expected HOST:PORT')), issues.join('\n'));
  assert.ok(issues.some((i) => i.startsWith('server.ssh_auth_timeout:')));
  assert.ok(issues.some((i) => i.startsWith('limits.max_connections: expected number')));
  assert.ok(issues.some((i) => i.startsWith('logging.level:')));
});

test('a non-Argon2 password hash (a placeholder) starts with a warning at its user index, and never matches', async () => {
  const text = minimalToml() + '\n[[users]]\nusername = "bob"\npassword_hash = "argon2id-fakehash-for-testing"\n';
  const r = parseConfigText(text, 'c.toml');
  assert.ok(r.warnings.some((w) => w.startsWith('users[1].password_hash: not an Argon2 PHC string') && w.includes('"bob" always fails')), r.warnings.join('\n'));
  assert.equal(await verifyPassword(r.config.users[1]!.password_hash, Buffer.from('argon2id-fakehash-for-testing')), false);
});

test('a config without users is refused', () => {
  const issues = issuesOf(() => parseConfigText('[server]\nssh_listen = "127.0.0.1:2222"\n', 'c.toml'));
  assert.ok(issues.some((i) => i.startsWith('users:')), issues.join('\n'));
});

test('TOML syntax errors give line and column', () => {
  const issues = issuesOf(() => parseConfigText('[server]\nssh_listen = "a\n', 'c.toml'));
  assert.equal(issues.length, 1);
  assert.match(issues[0] ?? '', /^\(syntax\) line 2, column \d+: /);
});

test('JSON is accepted when the name ends in .json', () => {
  const json = JSON.stringify({ server: { ssh_listen: '127.0.0.1:2200' }, users: [{ username: 'a', password_hash: SECRET_HASH }] });
  assert.equal(parseConfigText(json, 'conf.json').config.server.ssh_listen, '127.0.0.1:2200');
  assert.match(issuesOf(() => parseConfigText('{nope', 'conf.json'))[0] ?? '', /invalid JSON/);
  assert.match(issuesOf(() => parseConfigText('[1]', 'conf.json'))[0] ?? '', /expected a JSON object/);
});

test('TOML datetimes are kept as RFC 3339 text', () => {
  const text = `[[users]]\nusername = "a"\npassword_hash = "${SECRET_HASH}"\nexpires_at = 2030-01-02T03:04:05Z\n`;
  assert.equal(parseConfigText(text, 'c.toml').config.users[0]?.expires_at, '2030-01-02T03:04:05.000Z');
});

test('files over 1 MiB are refused with a clear message, exactly at the limit accepted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-load-'));
  const base = minimalToml();
  const atLimit = join(dir, 'at.toml');
  writeFileSync(atLimit, base + '#'.repeat(MAX_CONFIG_BYTES - Buffer.byteLength(base)));
  assert.equal(loadConfigFile(atLimit).config.users.length, 1);
  const over = join(dir, 'over.toml');
  writeFileSync(over, base + '#'.repeat(MAX_CONFIG_BYTES - Buffer.byteLength(base) + 1));
  const issues = issuesOf(() => loadConfigFile(over));
  assert.match(issues[0] ?? '', /limit is 1048576 bytes/);
});

test('a missing file is one clear issue', () => {
  assert.deepEqual(issuesOf(() => loadConfigFile('/nonexistent/sks5.toml')), ['(file): file not found']);
});

test('env is ignored over a file unless forced, and then wins over the file', () => {
  const env = { SKS5_MAX_CONNECTIONS: '42' };
  const plain = parseConfigText(minimalToml('[limits]\nmax_connections = 7\n'), 'c.toml', { env });
  assert.equal(plain.config.limits.max_connections, 7);
  assert.ok(plain.warnings.some((w) => w.includes('--force-env')));
  const forced = parseConfigText(minimalToml('[limits]\nmax_connections = 7\n'), 'c.toml', { env, forceEnv: true });
  assert.equal(forced.config.limits.max_connections, 42);
  const viaVar = parseConfigText(minimalToml(), 'c.toml', { env: { ...env, SKS5_FORCE_ENV: 'yes' } });
  assert.equal(viaVar.config.limits.max_connections, 42);
});

test('schema errors on env-provided values name the variable', () => {
  const issues = issuesOf(() => parseConfigText(minimalToml(), 'c.toml', { env: { SKS5_LOG_LEVEL: 'loud', SKS5_FORCE_ENV: '1' } }));
  assert.ok(issues.some((i) => i.startsWith('logging.level:') && i.endsWith('(from SKS5_LOG_LEVEL)')), issues.join('\n'));
});

test('--set overrides env and file, keeping the existing type', () => {
  const r = parseConfigText(minimalToml('[limits]\nmax_connections = 7\n'), 'c.toml', {
    env: { SKS5_MAX_CONNECTIONS: '42', SKS5_FORCE_ENV: '1' },
    sets: ['limits.max_connections=500', 'server.socks5_listen=127.0.0.1:1080', 'users[0].allow_shell=false', 'security.ban_enabled=no'],
  });
  assert.equal(r.config.limits.max_connections, 500);
  assert.equal(r.config.server.socks5_listen, '127.0.0.1:1080');
  assert.equal(r.config.users[0]?.allow_shell, false);
  assert.equal(r.config.security.ban_enabled, false);
});

test('bad --set items are reported with the item', () => {
  const issues = issuesOf(() => parseConfigText(minimalToml(), 'c.toml', { sets: ['limits.max_connections=lots', 'novalue', 'limits.max_conections=5'] }));
  assert.ok(issues.includes('--set limits.max_connections=lots: expected a number, got "lots"'), issues.join('\n'));
  assert.ok(issues.some((i) => i.startsWith('--set novalue: expected KEY=VALUE')));
  assert.ok(issues.some((i) => i.startsWith('limits.max_conections: unknown key') && i.includes('(from --set limits.max_conections)')), issues.join('\n'));
});

test('cross-field problems and schema problems are all in one error', () => {
  const text = minimalToml('[api]\nenabled = true\n') + `\n[[users]]\nusername = "alice"\npassword_hash = "${SECRET_HASH}"\n`;
  const issues = issuesOf(() => parseConfigText(text, 'c.toml'));
  assert.ok(issues.some((i) => i.startsWith('api.token:')));
  assert.ok(issues.some((i) => i.startsWith('users[1].username: duplicate')));
});

test('env-only mode builds a whole config from variables', () => {
  const r = loadConfigFromEnv({ env: { SKS5_SSH_LISTEN: '127.0.0.1:2022', SKS5_PASSWORD_HASH: SECRET_HASH, SKS5_USERNAME: 'bob' } });
  assert.equal(r.source, 'environment');
  assert.equal(r.config.server.ssh_listen, '127.0.0.1:2022');
  assert.equal(r.config.users[0]?.username, 'bob');
});

test('unenforced keys set in the file produce warnings', () => {
  const r = parseConfigText(minimalToml('[connection_pool]\nenabled = true\n'), 'c.toml');
  assert.ok(r.warnings.some((w) => w.startsWith('connection_pool.enabled is accepted but not enforced')));
});

test('arbitrary text never crashes the loader: it parses or throws a ConfigError', () => {
  const fragments = fc.constantFrom('[server]\n', '[[users]]\n', 'username = "a"\n', 'x = [\n', '"__proto__" = 1\n', `password_hash = "${SECRET_HASH}"\n`, '[limits]\nmax_connections = -1\n', '= =\n', '[a.b.c]\n');
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(fragments, { maxLength: 12 }).map((a) => a.join(''))), fc.boolean(), (text, json) => {
      try {
        parseConfigText(text, json ? 'c.json' : 'c.toml');
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.ok(err.issues.length > 0);
      }
    }),
    { numRuns: 300 },
  );
});
