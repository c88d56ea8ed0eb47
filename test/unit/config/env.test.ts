import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasEnvConfig, readEnvOverlay, sensitiveEnvNames } from '../../../src/config/env.js';
import { getPath } from '../../../src/config/object-path.js';
import { SECRET_HASH } from './fixtures.js';

const noFiles = (path: string): string => {
  throw new Error(`ENOENT: ${path}`);
};

// Reference 2.26, written out independently of src/config/env-vars.ts.
const REFERENCE_GLOBALS = `SSH_LISTEN SOCKS5_LISTEN HOST_KEY_PATH SERVER_ID BANNER MOTD_PATH ALLOWED_CIPHERS ALLOWED_KEX SHUTDOWN_TIMEOUT
SOCKS5_TLS_CERT SOCKS5_TLS_KEY DNS_CACHE_TTL DNS_CACHE_MAX_ENTRIES CONNECT_RETRY CONNECT_RETRY_DELAY_MS BOOKMARKS_PATH
SSH_KEEPALIVE_INTERVAL SSH_KEEPALIVE_MAX SSH_AUTH_TIMEOUT SHELL_HOSTNAME SHELL_PROMPT SHELL_COLORS SHELL_AUTOCOMPLETE
MAX_CONNECTIONS MAX_CONNECTIONS_PER_USER CONNECTION_TIMEOUT IDLE_TIMEOUT MAX_AUTH_ATTEMPTS SOCKS5_HANDSHAKE_TIMEOUT
IDLE_WARNING_SECS MAX_BANDWIDTH_MBPS MAX_NEW_CONNECTIONS_PER_SECOND UDP_RELAY_TIMEOUT MAX_UDP_SESSIONS_PER_USER
MAX_NEW_CONNECTIONS_PER_MINUTE_SERVER ALLOWED_SOURCE_IPS BAN_ENABLED BAN_THRESHOLD BAN_WINDOW BAN_DURATION BAN_WHITELIST
IP_GUARD_ENABLED TOTP_REQUIRED_FOR MAX_NEW_CONNECTIONS_PER_IP_PER_MINUTE IP_REPUTATION_ENABLED IP_REPUTATION_BAN_THRESHOLD
TRUSTED_USER_CA_KEYS ARGON2_MEMORY_COST ARGON2_TIME_COST ARGON2_PARALLELISM RATE_LIMIT_CLEANUP_INTERVAL RATE_LIMIT_MAX_IPS
RATE_LIMIT_MAX_USERS LOG_LEVEL LOG_FORMAT AUDIT_LOG_PATH AUDIT_MAX_SIZE_MB AUDIT_MAX_FILES CONNECTION_FLOW_LOGS
LOG_DENIED_CONNECTIONS METRICS_ENABLED METRICS_LISTEN MAX_METRIC_LABELS API_ENABLED API_LISTEN API_TOKEN GEOIP_ENABLED
GEOIP_DATABASE_PATH GEOIP_ALLOWED_COUNTRIES GEOIP_DENIED_COUNTRIES GEOIP_FAIL_CLOSED GLOBAL_ACL_DEFAULT_POLICY
GLOBAL_ACL_ALLOW GLOBAL_ACL_DENY UPSTREAM_PROXY_URL DATA_DIR STATE_PERSIST_ENABLED STATE_FLUSH_INTERVAL
STATE_IP_REP_MIN_SCORE STATE_IP_REP_FLUSH_INTERVAL STATE_INACTIVE_USER_DAYS USERDATA_ENABLED SHELL_HISTORY_MAX
SHELL_HISTORY_FLUSH_SECS BOOKMARKS_MAX USERDATA_INACTIVE_DAYS CONFIG_HISTORY_ENABLED CONFIG_HISTORY_MAX`.split(/\s+/);

const BOOLS = /ENABLED|COLORS|AUTOCOMPLETE|FAIL_CLOSED|FLOW_LOGS|DENIED_CONNECTIONS/;
const INTS = /TIMEOUT|MAX|COST|PARALLELISM|INTERVAL|THRESHOLD|WINDOW|DURATION|RETRY|TTL|ENTRIES|SECS|MBPS|PER_|DAYS|SCORE|LABELS|SIZE_MB|FILES|ATTEMPTS|CONNECTIONS/;

test('every server-level variable of the reference is read (none reported unknown)', () => {
  for (const name of REFERENCE_GLOBALS) {
    const raw = BOOLS.test(name) ? 'true' : INTS.test(name) && !/LISTEN|PATH/.test(name) ? '7' : 'v';
    const r = readEnvOverlay({ [`SKS5_${name}`]: raw }, noFiles);
    assert.deepEqual(r.warnings, [], `SKS5_${name}`);
    assert.deepEqual(r.issues, [], `SKS5_${name}`);
    assert.ok(Object.keys(r.overlay).length > 0, `SKS5_${name} set nothing`);
  }
});

test('server, limits, security, logging, API and persistence variables land on their keys', () => {
  const r = readEnvOverlay({
    SKS5_SSH_LISTEN: '0.0.0.0:22',
    SKS5_SSH_KEEPALIVE_INTERVAL: '20',
    SKS5_MAX_CONNECTIONS: '50',
    SKS5_MAX_NEW_CONNECTIONS_PER_MINUTE_SERVER: '600',
    SKS5_BAN_WHITELIST: '10.0.0.1, 192.168.0.0/16,,',
    SKS5_BAN_ENABLED: 'No',
    SKS5_LOG_LEVEL: 'DEBUG',
    SKS5_API_TOKEN: 'tok',
    SKS5_GLOBAL_ACL_DEFAULT_POLICY: 'Deny',
    SKS5_GLOBAL_ACL_DENY: '10.0.0.0/8:*',
    SKS5_UPSTREAM_PROXY_URL: 'socks5://p:1080',
    SKS5_STATE_IP_REP_MIN_SCORE: '3',
    SKS5_CONFIG_HISTORY_MAX: '9',
    SKS5_SHELL_COLORS: '0',
    SKS5_HTTP_PROXY_LISTEN: '0.0.0.0:3128',
    SKS5_HTTP_PROXY_TLS_CERT: '/etc/sks5/proxy.pem',
    SKS5_HTTP_PROXY_TLS_KEY: '/etc/sks5/proxy.key',
    SKS5_HTTP_HEADER_TIMEOUT: '10',
  }, noFiles);
  const at = (p: string): unknown => getPath(r.overlay, p.split('.'));
  assert.equal(at('server.ssh_listen'), '0.0.0.0:22');
  assert.equal(at('server.http_proxy_listen'), '0.0.0.0:3128');
  assert.equal(at('server.http_proxy_tls_cert'), '/etc/sks5/proxy.pem');
  assert.equal(at('server.http_proxy_tls_key'), '/etc/sks5/proxy.key');
  assert.equal(at('limits.http_header_timeout'), 10);
  assert.equal(at('server.ssh_keepalive_interval_secs'), 20);
  assert.equal(at('limits.max_connections'), 50);
  assert.equal(at('limits.max_new_connections_per_minute'), 600);
  assert.deepEqual(at('security.ban_whitelist'), ['10.0.0.1', '192.168.0.0/16']);
  assert.equal(at('security.ban_enabled'), false);
  assert.equal(at('logging.level'), 'debug');
  assert.equal(at('api.token'), 'tok');
  assert.equal(at('acl.default_policy'), 'deny');
  assert.deepEqual(at('acl.deny'), ['10.0.0.0/8:*']);
  assert.equal(at('upstream_proxy.url'), 'socks5://p:1080');
  assert.equal(at('persistence.state.ip_reputation_min_score'), 3);
  assert.equal(at('persistence.config_history.max_entries'), 9);
  assert.equal(at('shell.colors'), false);
  assert.equal(r.overlay['users'], undefined);
  assert.equal(r.definesUsers, false);
});

test('booleans accept true/1/yes and false/0/no in any case; anything else is an issue', () => {
  for (const [raw, want] of [['TRUE', true], ['1', true], ['yes', true], ['False', false], ['0', false], ['NO', false]] as const) {
    assert.equal(getPath(readEnvOverlay({ SKS5_METRICS_ENABLED: raw }, noFiles).overlay, ['metrics', 'enabled']), want, raw);
  }
  assert.deepEqual(readEnvOverlay({ SKS5_METRICS_ENABLED: 'maybe' }, noFiles).issues, ['SKS5_METRICS_ENABLED: expected true/false, 1/0 or yes/no, got "maybe"']);
});

test('a non-integer number is reported with the variable name', () => {
  const r = readEnvOverlay({ SKS5_MAX_CONNECTIONS: '10k', SKS5_BAN_DURATION: '1.5' }, noFiles);
  assert.deepEqual([...r.issues].sort(), ['SKS5_BAN_DURATION: expected an integer, got "1.5"', 'SKS5_MAX_CONNECTIONS: expected an integer, got "10k"']);
  assert.equal(getPath(r.overlay, ['limits', 'max_connections']), undefined);
});

test('empty variables count as unset', () => {
  const r = readEnvOverlay({ SKS5_MAX_CONNECTIONS: '', SKS5_SSH_LISTEN: '' }, noFiles);
  assert.deepEqual(r.overlay, {});
  assert.deepEqual(r.issues, []);
});

test('single-user flat variables build users[0], default username "user"', () => {
  const r = readEnvOverlay({
    SKS5_PASSWORD_HASH: SECRET_HASH,
    SKS5_AUTHORIZED_KEYS: 'ssh-ed25519 AAAA a, ssh-rsa BBBB b',
    SKS5_ALLOW_SHELL: 'false',
    SKS5_MAX_NEW_CONNECTIONS_PER_MINUTE: '30',
    SKS5_SOURCE_IPS: '10.0.0.0/8',
    SKS5_ACL_DEFAULT_POLICY: 'deny',
    SKS5_ACL_ALLOW: '*:443,*:80',
    SKS5_ACL_INHERIT: 'no',
    SKS5_RATE_LIMIT_PER_MINUTE: '60',
    SKS5_TOTP_ENABLED: 'yes',
    SKS5_GROUP: 'staff',
    SKS5_EXPIRES_AT: '2030-01-01T00:00:00Z',
    SKS5_MAX_CONNECTIONS: '99',
  }, noFiles);
  const user = (r.overlay['users'] as Record<string, unknown>[])[0] as Record<string, unknown>;
  assert.equal(user['username'], 'user');
  assert.equal(user['password_hash'], SECRET_HASH);
  assert.deepEqual(user['authorized_keys'], ['ssh-ed25519 AAAA a', 'ssh-rsa BBBB b']);
  assert.equal(user['allow_shell'], false);
  assert.equal(user['max_new_connections_per_minute'], 30);
  assert.deepEqual(user['source_ips'], ['10.0.0.0/8']);
  assert.deepEqual(user['acl'], { default_policy: 'deny', allow: ['*:443', '*:80'], inherit: false });
  assert.deepEqual(user['rate_limits'], { connections_per_minute: 60 });
  assert.equal(user['totp_enabled'], true);
  assert.equal(user['group'], 'staff');
  assert.equal(user['expires_at'], '2030-01-01T00:00:00Z');
  // SKS5_MAX_CONNECTIONS is the server-wide limit, never the user's.
  assert.equal(user['max_connections'], undefined);
  assert.equal(getPath(r.overlay, ['limits', 'max_connections']), 99);
  assert.equal(r.definesUsers, true);
});

test('legacy single-user names USER_UPSTREAM_PROXY and MAX_CONNECTIONS_USER still work', () => {
  const r = readEnvOverlay({ SKS5_USERNAME: 'bob', SKS5_PASSWORD_HASH: SECRET_HASH, SKS5_USER_UPSTREAM_PROXY: 'socks5://up:1080', SKS5_MAX_CONNECTIONS_USER: '4' }, noFiles);
  assert.equal(getPath(r.overlay, ['users', 0, 'upstream_proxy']), 'socks5://up:1080');
  assert.equal(getPath(r.overlay, ['users', 0, 'max_connections']), 4);
  assert.deepEqual(r.warnings, []);
  const modern = readEnvOverlay({ SKS5_PASSWORD_HASH: SECRET_HASH, SKS5_UPSTREAM_PROXY: 'socks5://new:1', SKS5_USER_UPSTREAM_PROXY: 'socks5://old:1' }, noFiles);
  assert.equal(getPath(modern.overlay, ['users', 0, 'upstream_proxy']), 'socks5://new:1');
});

test('indexed users are read contiguously from 0 and win over flat variables', () => {
  const r = readEnvOverlay({
    SKS5_USER_0_USERNAME: 'alice',
    SKS5_USER_0_PASSWORD_HASH: SECRET_HASH,
    SKS5_USER_0_MAX_CONNECTIONS: '3',
    SKS5_USER_1_USERNAME: 'bob',
    SKS5_USER_1_AUTHORIZED_KEYS: 'ssh-ed25519 AAAA',
    SKS5_USER_1_RATE_LIMIT_PER_HOUR: '100',
    SKS5_USER_1_UPSTREAM_PROXY: 'socks5://u:1',
    SKS5_USER_3_USERNAME: 'stranded',
    SKS5_USERNAME: 'ignored',
  }, noFiles);
  const users = r.overlay['users'] as Record<string, unknown>[];
  assert.equal(users.length, 2);
  assert.equal(users[0]?.['username'], 'alice');
  assert.equal(users[0]?.['max_connections'], 3);
  assert.equal(users[1]?.['username'], 'bob');
  assert.deepEqual(users[1]?.['rate_limits'], { connections_per_hour: 100 });
  assert.equal(users[1]?.['upstream_proxy'], 'socks5://u:1');
  assert.ok(r.warnings.some((w) => w.includes('SKS5_USER_2_USERNAME is not set') && w.includes('3')), r.warnings.join('\n'));
});

test('_FILE variants are read (trimmed) for password hash, API token and TOTP secret, flat and indexed', () => {
  const files: Record<string, string> = { '/run/secrets/hash': `${SECRET_HASH}\n`, '/run/secrets/token': ' tok-from-file \n', '/run/secrets/totp': 'JBSWY3DPEHPK3PXP\n' };
  const read = (p: string): string => {
    const v = files[p];
    if (v === undefined) throw new Error('ENOENT');
    return v;
  };
  const flat = readEnvOverlay({ SKS5_PASSWORD_HASH_FILE: '/run/secrets/hash', SKS5_API_TOKEN_FILE: '/run/secrets/token', SKS5_TOTP_SECRET_FILE: '/run/secrets/totp' }, read);
  assert.equal(getPath(flat.overlay, ['users', 0, 'password_hash']), SECRET_HASH);
  assert.equal(getPath(flat.overlay, ['api', 'token']), 'tok-from-file');
  assert.equal(getPath(flat.overlay, ['users', 0, 'totp_secret']), 'JBSWY3DPEHPK3PXP');
  const indexed = readEnvOverlay({ SKS5_USER_0_USERNAME: 'a', SKS5_USER_0_PASSWORD_HASH_FILE: '/run/secrets/hash', SKS5_USER_0_TOTP_SECRET_FILE: '/run/secrets/totp' }, read);
  assert.equal(getPath(indexed.overlay, ['users', 0, 'password_hash']), SECRET_HASH);
  assert.equal(getPath(indexed.overlay, ['users', 0, 'totp_secret']), 'JBSWY3DPEHPK3PXP');
  assert.deepEqual(indexed.warnings, []);
});

test('the direct variable wins over _FILE; unreadable and empty files are issues', () => {
  const both = readEnvOverlay({ SKS5_API_TOKEN: 'direct', SKS5_API_TOKEN_FILE: '/missing' }, noFiles);
  assert.equal(getPath(both.overlay, ['api', 'token']), 'direct');
  assert.deepEqual(both.issues, []);
  const missing = readEnvOverlay({ SKS5_API_TOKEN_FILE: '/missing' }, noFiles);
  assert.match(missing.issues[0] ?? '', /^SKS5_API_TOKEN_FILE: cannot read \/missing: /);
  const empty = readEnvOverlay({ SKS5_API_TOKEN_FILE: '/empty' }, () => '  \n');
  assert.deepEqual(empty.issues, ['SKS5_API_TOKEN_FILE: /empty is empty']);
});

test('unknown SKS5_ variables are warned about, control variables are not', () => {
  const r = readEnvOverlay({ SKS5_MAX_CONECTIONS: '5', SKS5_CONFIG: 'x.toml', SKS5_FORCE_ENV: '1', PATH: '/bin' }, noFiles);
  assert.deepEqual(r.warnings, ['SKS5_MAX_CONECTIONS: unknown environment variable, ignored']);
});

test('single-user variables without credentials, or next to indexed users, are reported as ignored', () => {
  const alone = readEnvOverlay({ SKS5_ALLOW_SHELL: 'true' }, noFiles);
  assert.equal(alone.overlay['users'], undefined);
  assert.match(alone.warnings[0] ?? '', /^SKS5_ALLOW_SHELL: ignored; single-user variables apply when/);
  const mixed = readEnvOverlay({ SKS5_USER_0_USERNAME: 'a', SKS5_PASSWORD_HASH: 'x' }, noFiles);
  assert.match(mixed.warnings[0] ?? '', /^SKS5_PASSWORD_HASH: ignored;/);
});

test('an unreadable SKS5_PASSWORD_HASH_FILE is an issue and still yields the default user', () => {
  const r = readEnvOverlay({ SKS5_PASSWORD_HASH_FILE: '/missing' }, noFiles);
  assert.equal(r.issues.length, 1);
  assert.deepEqual(r.overlay['users'], [{ username: 'user' }]);
});

test('origins map config paths back to variable names', () => {
  const r = readEnvOverlay({ SKS5_LOG_LEVEL: 'x', SKS5_USER_0_USERNAME: 'a' }, noFiles);
  assert.equal(r.origins.get('logging.level'), 'SKS5_LOG_LEVEL');
  assert.equal(r.origins.get('users[0].username'), 'SKS5_USER_0_USERNAME');
});

test('hasEnvConfig needs SSH_LISTEN plus credentials', () => {
  assert.equal(hasEnvConfig({}), false);
  assert.equal(hasEnvConfig({ SKS5_SSH_LISTEN: '0.0.0.0:22' }), false);
  assert.equal(hasEnvConfig({ SKS5_PASSWORD_HASH: 'x' }), false);
  assert.equal(hasEnvConfig({ SKS5_SSH_LISTEN: '0.0.0.0:22', SKS5_PASSWORD_HASH_FILE: '/f' }), true);
  assert.equal(hasEnvConfig({ SKS5_SSH_LISTEN: '0.0.0.0:22', SKS5_AUTHORIZED_KEYS: 'k' }), true);
  assert.equal(hasEnvConfig({ SKS5_SSH_LISTEN: '0.0.0.0:22', SKS5_USER_0_USERNAME: 'a' }), true);
});

test('sensitiveEnvNames lists every secret-bearing variable, flat and indexed', () => {
  const env = { SKS5_PASSWORD_HASH: 'a', SKS5_API_TOKEN_FILE: 'b', SKS5_TOTP_SECRET: 'c', SKS5_USER_12_PASSWORD_HASH: 'd', SKS5_USER_0_TOTP_SECRET_FILE: 'e', SKS5_USERNAME: 'f', SKS5_API_LISTEN: 'g' };
  assert.deepEqual(sensitiveEnvNames(env).sort(), ['SKS5_API_TOKEN_FILE', 'SKS5_PASSWORD_HASH', 'SKS5_TOTP_SECRET', 'SKS5_USER_0_TOTP_SECRET_FILE', 'SKS5_USER_12_PASSWORD_HASH']);
});

test('the variable table derived from the schema names each variable once, secrets on string keys', async () => {
  const { ENV_VARS, USER_ENV_FIELDS } = await import('../../../src/config/env-vars.js');
  for (const specs of [ENV_VARS, USER_ENV_FIELDS]) {
    const names = specs.map((s) => s.name);
    assert.equal(new Set(names).size, names.length, names.join(' '));
  }
  assert.deepEqual(ENV_VARS.filter((s) => s.kind === 'secret').map((s) => s.path), ['api.token', 'cluster.redis_url']);
  assert.deepEqual(USER_ENV_FIELDS.filter((s) => s.kind === 'secret').map((s) => s.path), ['password_hash', 'totp_secret']);
  assert.equal(ENV_VARS.find((s) => s.path === 'logging.level')?.kind, 'lower');
  assert.equal(USER_ENV_FIELDS.find((s) => s.path === 'rate_limits.connections_per_hour')?.name, 'RATE_LIMIT_PER_HOUR');
});
