import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, type ConfigInput } from '../../../src/config/schema.js';
import { upstreamUrlProblem, validateConfig } from '../../../src/config/validate.js';
import { ed25519Line, SECRET_HASH } from './fixtures.js';

function check(input: Partial<ConfigInput>, existing: string[] = []): { issues: string[]; warnings: string[] } {
  const config = configSchema.parse({ users: [{ username: 'alice', password_hash: SECRET_HASH }], ...input });
  return validateConfig(config, { fileExists: (p) => existing.includes(p) });
}

const alice = { username: 'alice', password_hash: SECRET_HASH };

test('a plain valid config has no issues', () => {
  assert.deepEqual(check({}).issues, []);
});

test('duplicate usernames are reported at the second occurrence', () => {
  assert.deepEqual(check({ users: [alice, { ...alice }] }).issues, ['users[1].username: duplicate username "alice" (also users[0])']);
});

test('a user without password or keys is refused unless a trusted CA can sign for it', () => {
  const nocreds = { users: [alice, { username: 'bob' }] };
  assert.deepEqual(check(nocreds).issues, ['users[1]: user "bob" has no password_hash and no authorized_keys, so nobody can log in as it']);
  const ca = ed25519Line('ca');
  assert.deepEqual(check({ ...nocreds, security: { trusted_user_ca_keys: [ca] } }).issues, []);
});

test('a group with no [[groups]] entry is a warning (the original ran it), duplicate groups an error', () => {
  const r = check({ users: [{ ...alice, group: 'ops' }] });
  assert.deepEqual(r.issues, []);
  assert.ok(r.warnings.includes('users[0].group: no [[groups]] entry is named "ops", so user "alice" gets only the global settings (add [[groups]] with name = "ops" to give it group settings)'), r.warnings.join('\n'));
  assert.deepEqual(check({ groups: [{ name: 'ops' }, { name: 'ops' }], users: [{ ...alice, group: 'ops' }] }).issues, ['groups[1].name: duplicate group "ops" (also groups[0])']);
});

test('TLS cert and key: both or neither, and the files must exist', () => {
  assert.ok(check({ server: { socks5_tls_cert: '/c.pem' } }, ['/c.pem']).issues.includes('server.socks5_tls_key: required when socks5_tls_cert is set'));
  assert.ok(check({ server: { socks5_tls_key: '/k.pem' } }, ['/k.pem']).issues.includes('server.socks5_tls_cert: required when socks5_tls_key is set'));
  assert.deepEqual(check({ server: { socks5_tls_cert: '/c.pem', socks5_tls_key: '/k.pem' } }, ['/c.pem']).issues, ['server.socks5_tls_key: file not found: /k.pem']);
  assert.deepEqual(check({ server: { socks5_tls_cert: '/c.pem', socks5_tls_key: '/k.pem' } }, ['/c.pem', '/k.pem']).issues, []);
  // the HTTPS proxy's pair follows the same rules
  assert.deepEqual(check({ server: { http_proxy_tls_cert: '/c.pem' } }, ['/c.pem']).issues, ['server.http_proxy_tls_key: required when http_proxy_tls_cert is set']);
  assert.deepEqual(check({ server: { http_proxy_tls_cert: '/c.pem', http_proxy_tls_key: '/k.pem' } }, ['/k.pem']).issues, ['server.http_proxy_tls_cert: file not found: /c.pem']);
  assert.deepEqual(check({ server: { http_proxy_listen: '0.0.0.0:3128', http_proxy_tls_cert: '/c.pem', http_proxy_tls_key: '/k.pem' } }, ['/c.pem', '/k.pem']).issues, []);
});

test('the API token must be at least 16 characters when the API is enabled', () => {
  assert.deepEqual(check({ api: { enabled: true, token: 'short' } }).issues, ['api.token: must be at least 16 characters when api.enabled = true']);
  assert.deepEqual(check({ api: { enabled: true, token: 'x'.repeat(16) } }).issues, []);
  assert.deepEqual(check({ api: { enabled: false, token: '' } }).issues, []);
});

test('ACL rules are compiled at load; each bad rule is reported with its index', () => {
  const r = check({
    acl: { default_policy: 'allow', allow: [], deny: ['10.0.0.0/8:*', '300.1.1.1:80'] },
    groups: [{ name: 'g', acl: { allow: ['*.example.com:99999'] } }],
    users: [{ ...alice, group: 'g', acl: { default_policy: 'deny', allow: ['ok.example.com:443', 'bad host:80'] } }],
  });
  assert.equal(r.issues.length, 3, r.issues.join('\n'));
  assert.ok(r.issues[0]?.startsWith('acl.deny[1]: invalid ACL rule "300.1.1.1:80"'), r.issues[0]);
  assert.ok(r.issues[1]?.startsWith('groups[0].acl.allow[0]: invalid ACL rule'), r.issues[1]);
  assert.ok(r.issues[2]?.startsWith('users[0].acl.allow[1]: invalid ACL rule "bad host:80"'), r.issues[2]);
});

test('time_access windows are checked', () => {
  const r = check({ users: [{ ...alice, time_access: { access_hours: '09:00-17:00', timezone: 'Mars/Olympus_Mons' } }] });
  assert.equal(r.issues.length, 1, r.issues.join('\n'));
  assert.ok(r.issues[0]?.startsWith('users[0].time_access: '));
});

test('webhooks to loopback, private or unspecified addresses need allow_private_ips', () => {
  for (const url of ['http://localhost:8080/x', 'http://127.0.0.1/x', 'http://0.0.0.0/x', 'http://10.1.2.3/x', 'http://[::1]/x', 'http://api.localhost/x']) {
    const r = check({ webhooks: [{ url }] });
    assert.equal(r.issues.length, 1, url);
    assert.ok(r.issues[0]?.startsWith('webhooks[0].url: ') && r.issues[0].includes('allow_private_ips'), r.issues[0]);
    assert.deepEqual(check({ webhooks: [{ url, allow_private_ips: true }] }).issues, [], url);
  }
  assert.deepEqual(check({ webhooks: [{ url: 'https://hooks.example.com/x' }] }).issues, []);
  assert.deepEqual(check({ webhooks: [{ url: 'https://hooks.example.com/x', format: 'custom' }] }).issues, ['webhooks[0].template: required when format = "custom"']);
});

test('upstream proxy URLs must be socks5://host:port', () => {
  assert.equal(upstreamUrlProblem('socks5://u:p@proxy:1080'), undefined);
  assert.equal(upstreamUrlProblem('socks5h://proxy:1080'), undefined);
  assert.match(upstreamUrlProblem('socks5://proxy') ?? '', /missing port/);
  assert.match(upstreamUrlProblem('http://proxy:3128') ?? '', /unsupported scheme "http"/);
  assert.match(upstreamUrlProblem('socks5://') ?? '', /not a valid URL|missing host/);
  assert.deepEqual(check({ users: [{ ...alice, upstream_proxy: 'socks5://nohost' }] }).issues, ['users[0].upstream_proxy: missing port; expected socks5://[user:pass@]host:port']);
  assert.deepEqual(check({ upstream_proxy: { url: 'socks5://p:1080/path' } }).issues, ['upstream_proxy.url: unexpected path after host:port']);
});

test('authorized_keys lines that do not parse are warned about and ignored, options prefix allowed', () => {
  const good = ed25519Line();
  const [, b64] = good.split(' ');
  const r = check({
    users: [{
      username: 'alice',
      authorized_keys: [good, `no-pty,from="10.0.0.0/8, 192.168.0.0/16" ${good}`, `ssh-ed25519 ${(b64 ?? '').slice(0, -8)}`, 'ssh-ed25519', 'ssh-foo AAAA', `ssh-rsa ${b64}`],
    }],
  });
  assert.deepEqual(r.issues, []);
  const keys = r.warnings.filter((w) => w.includes('authorized_keys'));
  assert.equal(keys.length, 4, r.warnings.join('\n'));
  assert.ok(keys[0]?.startsWith('users[0].authorized_keys[2]: '));
  assert.ok(keys[1]?.startsWith('users[0].authorized_keys[3]: expected "TYPE BASE64 [comment]"'));
  assert.ok(keys[2]?.startsWith('users[0].authorized_keys[4]: '));
  assert.ok(keys[3]?.startsWith('users[0].authorized_keys[5]: the key data says "ssh-ed25519" but the line says "ssh-rsa"'));
  assert.ok(keys.every((w) => w.endsWith('; this key is ignored')));
});

test('trusted CA keys must be plain public keys', () => {
  assert.deepEqual(check({ security: { trusted_user_ca_keys: ['garbage'] } }).issues.length, 1);
  assert.deepEqual(check({ security: { trusted_user_ca_keys: [ed25519Line('ca')] } }).issues, []);
});

test('TOTP: enabled needs a secret, and a short secret is refused', () => {
  assert.deepEqual(check({ users: [{ ...alice, totp_enabled: true }] }).issues, ['users[0].totp_secret: required when totp_enabled = true (use `sks5 generate-totp`)']);
  assert.deepEqual(check({ users: [{ ...alice, totp_enabled: true, totp_secret: 'JBSWY3DP' }] }).issues, ['users[0].totp_secret: too short; use at least 16 base32 characters (80 bits)']);
});

test('other cross checks: same listen address twice, geoip without database', () => {
  assert.deepEqual(check({ server: { ssh_listen: '0.0.0.0:2222', socks5_listen: '0.0.0.0:2222' } }).issues, ['server.socks5_listen: same address as server.ssh_listen']);
  assert.deepEqual(check({ server: { ssh_listen: '0.0.0.0:2222', http_proxy_listen: '0.0.0.0:2222' } }).issues, ['server.http_proxy_listen: same address as server.ssh_listen']);
  assert.deepEqual(check({ server: { socks5_listen: '0.0.0.0:1080', http_proxy_listen: '0.0.0.0:1080' } }).issues, ['server.http_proxy_listen: same address as server.socks5_listen']);
  assert.deepEqual(check({ server: { socks5_listen: '127.0.0.1:0', http_proxy_listen: '127.0.0.1:0' } }).issues, [], 'port 0 twice is two ports');
  assert.deepEqual(check({ geoip: { enabled: true } }).issues, ['geoip.database_path: required when geoip.enabled = true']);
});

test('warnings: TOTP required but no secret, ACL rules that cannot matter', () => {
  const r = check({ security: { totp_required_for: ['ssh'] }, acl: { default_policy: 'allow', allow: ['*:443'], deny: [] } });
  assert.deepEqual(r.issues, []);
  assert.ok(r.warnings.some((w) => w.startsWith('users[0]: security.totp_required_for is set')));
  assert.ok(r.warnings.some((w) => w.startsWith('acl: allow rules have no effect')));
});
