/**
 * The one config schema: the TOML format of the original sks5, its key names and defaults.
 * Types come from this object (`Config`), validation too, and `npm run gen` writes docs/config.md
 * and config.example.toml from it: every key's description is its `.describe()` here, so a new key
 * cannot land undocumented (the gen-docs test fails). Objects are strict so a typo is reported with
 * its key path instead of silently ignored.
 */
import { z } from 'zod';
import { splitHostPort } from '../host-port.js';
import { parseCidr } from '../policy/ip-address.js';
import { parseMaxStartups } from '../policy/startups.js';

declare module 'zod' {
  /**
   * `env`: the SKS5_* variable that sets this server-level key; `userEnv`: the field name of a per-user
   * key (SKS5_<FIELD>, SKS5_USER_<N>_<FIELD>); `secret`: also read from the file named by <NAME>_FILE.
   * config/env-vars.ts derives the variable table from these.
   */
  interface GlobalMeta {
    env?: `SKS5_${string}`;
    userEnv?: string;
    secret?: true;
  }
}

const listenAddr = z.string().min(1).refine((s) => splitHostPort(s).ok && !/[\s[\]]/.test(s.replace(/^\[[^\]]*\]/, '')), {
  message: 'expected HOST:PORT (IPv6 as [addr]:port)',
});
const cidr = z.string().superRefine((s, ctx) => {
  const r = parseCidr(s);
  if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: `expected an IP address or CIDR such as 10.0.0.0/8: ${r}` });
});
const uint = z.number().int().nonnegative();
const policy = z.enum(['allow', 'deny']);

export const aclSchema = z.strictObject({
  default_policy: policy.optional().describe('Policy when no rule matches (user > group > global; global default "allow")').meta({ userEnv: 'ACL_DEFAULT_POLICY' }),
  allow: z.array(z.string()).default([]).describe('Allow rules: host:port, cidr:port, *.suffix:port, [ipv6]:port; ports 443, 80-443 or *').meta({ userEnv: 'ACL_ALLOW' }),
  deny: z.array(z.string()).default([]).describe('Deny rules, checked before allow rules').meta({ userEnv: 'ACL_DENY' }),
  inherit: z.boolean().default(true).describe('Concatenate global + group rules before this one').meta({ userEnv: 'ACL_INHERIT' }),
});

export const globalAclSchema = z.strictObject({
  default_policy: policy.default('allow').describe('Policy when no rule matches').meta({ env: 'SKS5_GLOBAL_ACL_DEFAULT_POLICY' }),
  allow: z.array(z.string()).default([]).describe('Allow rules (see users[].acl.allow)').meta({ env: 'SKS5_GLOBAL_ACL_ALLOW' }),
  deny: z.array(z.string()).default([]).describe('Deny rules, checked first').meta({ env: 'SKS5_GLOBAL_ACL_DENY' }),
});

export const shellPermissionsSchema = z.strictObject({
  show_connections: z.boolean().default(true).describe('Allow the shell feature "show_connections"'),
  show_bandwidth: z.boolean().default(true).describe('Allow the shell feature "show_bandwidth"'),
  show_acl: z.boolean().default(true).describe('Allow the shell feature "show_acl"'),
  show_status: z.boolean().default(true).describe('Allow the shell feature "show_status"'),
  show_history: z.boolean().default(true).describe('Allow the shell feature "show_history"'),
  show_fingerprint: z.boolean().default(true).describe('Allow the shell feature "show_fingerprint"'),
  test_command: z.boolean().default(true).describe('Allow the shell feature "test_command"'),
  ping_command: z.boolean().default(true).describe('Allow the shell feature "ping_command"'),
  resolve_command: z.boolean().default(true).describe('Allow the shell feature "resolve_command"'),
  bookmark_command: z.boolean().default(true).describe('Allow the shell feature "bookmark_command"'),
  alias_command: z.boolean().default(true).describe('Allow the shell feature "alias_command"'),
  show_quota: z.boolean().default(true).describe('Allow the shell feature "show_quota"'),
  show_role: z.boolean().default(true).describe('Allow the shell feature "show_role"'),
  show_group: z.boolean().default(true).describe('Allow the shell feature "show_group"'),
  show_expires: z.boolean().default(true).describe('Allow the shell feature "show_expires"'),
  show_source_ip: z.boolean().default(true).describe('Allow the shell feature "show_source_ip"'),
  show_auth_method: z.boolean().default(true).describe('Allow the shell feature "show_auth_method"'),
  show_uptime: z.boolean().default(true).describe('Allow the shell feature "show_uptime"'),
});

export const motdSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('Show the message of the day'),
  colors: z.boolean().default(true).describe('ANSI colors in the message'),
  template: z.string().max(16384).optional().describe('Template text; absent = built-in'),
});

export const rateLimitsSchema = z.strictObject({
  connections_per_second: uint.default(0).describe('New connections per second').meta({ userEnv: 'RATE_LIMIT_PER_SECOND' }),
  connections_per_minute: uint.default(0).describe('New connections per minute').meta({ userEnv: 'RATE_LIMIT_PER_MINUTE' }),
  connections_per_hour: uint.default(0).describe('New connections per hour').meta({ userEnv: 'RATE_LIMIT_PER_HOUR' }),
});

export const quotasSchema = z.strictObject({
  daily_bandwidth_bytes: uint.default(0).describe('Bytes per day'),
  daily_connection_limit: uint.default(0).describe('Connections per day'),
  monthly_bandwidth_bytes: uint.default(0).describe('Bytes per calendar month'),
  monthly_connection_limit: uint.default(0).describe('Connections per calendar month'),
  bandwidth_per_hour_bytes: uint.default(0).describe('Bytes per rolling hour'),
  total_bandwidth_bytes: uint.default(0).describe('Bytes ever'),
});

export const timeAccessSchema = z.strictObject({
  access_hours: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'expected HH:MM-HH:MM').optional().describe('HH:MM-HH:MM (may cross midnight)'),
  access_days: z.array(z.string().transform((d) => d.toLowerCase()).pipe(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))).default([]).describe('Days allowed: mon..sun (empty = every day)'),
  timezone: z.string().optional().describe('IANA time zone (e.g. Europe/Paris); UTC when absent'),
});

const authMethod = z.enum(['password', 'pubkey', 'publickey', 'certificate', 'keyboard-interactive', 'totp']);

/** Fields a group and a user share; a user value overrides the group's, which overrides the global one. */
const inheritable = {
  max_bandwidth_kbps: uint.optional().describe('Per-connection bandwidth in kbit/s (0 = unlimited)').meta({ userEnv: 'MAX_BANDWIDTH_KBPS' }),
  max_aggregate_bandwidth_kbps: uint.optional().describe('Total bandwidth across connections in kbit/s (0 = unlimited)').meta({ userEnv: 'MAX_AGGREGATE_BANDWIDTH_KBPS' }),
  max_new_connections_per_minute: uint.optional().describe('New connections per minute (0 = unlimited)').meta({ userEnv: 'MAX_NEW_CONNECTIONS_PER_MINUTE' }),
  allow_shell: z.boolean().optional().describe('Allow the interactive shell').meta({ userEnv: 'ALLOW_SHELL' }),
  allow_forwarding: z.boolean().optional().describe('Allow port forwarding (SSH -D/-L and SOCKS5)'),
  shell_permissions: shellPermissionsSchema.optional().describe('Which shell commands are available (all true by default)'),
  // A user's or group's template falls back to the global one before the built-in text.
  motd: motdSchema.extend({ template: motdSchema.shape.template.describe('Template text') }).optional().describe('Message of the day override'),
  quotas: quotasSchema.optional().describe('Traffic and connection quotas (0 = unlimited)'),
  time_access: timeAccessSchema.optional().describe('When logins are allowed'),
  auth_methods: z.array(authMethod).optional().describe('Methods that must all succeed, in order (empty = any one)'),
  idle_warning_secs: uint.optional().describe('Idle warning before disconnect (0 = off)'),
  role: z.enum(['user', 'admin']).optional().describe('"user" or "admin"'),
  colors: z.boolean().optional().describe('ANSI colors in the shell'),
  connect_retry: uint.max(10).optional().describe('Outbound connect retries (0-10)'),
  connect_retry_delay_ms: uint.optional().describe('First retry delay (doubles)'),
  rate_limits: rateLimitsSchema.optional().describe('New-connection rate limits (0 = unlimited)'),
  require_approved_fingerprint: z.boolean().optional().describe('Refuse SSH clients whose fingerprint is not approved'),
};

export const groupSchema = z.strictObject({
  name: z.string().min(1).describe('Group name referenced by users[].group'),
  acl: aclSchema.optional().describe('Group destination rules'),
  max_connections_per_user: uint.optional().describe('Concurrent connections per member (0 = unlimited)'),
  ...inheritable,
});

export const userSchema = z.strictObject({
  username: z.string().min(1).max(255).regex(/^[^\s:\x00-\x1f]+$/, 'no spaces, colons or control characters').describe('Login name, unique').meta({ userEnv: 'USERNAME' }),
  // Not checked here: a placeholder hash (as in the original's example file) only disables password
  // login for this user, so validate.ts warns instead of refusing the file.
  password_hash: z.string().optional().describe('Argon2id PHC string from `sks5 hash-password` (anything else warns at start and never matches)').meta({ userEnv: 'PASSWORD_HASH', secret: true }),
  authorized_keys: z.array(z.string()).default([]).describe('Public keys, one authorized_keys line each (a line that does not parse warns and is ignored)').meta({ userEnv: 'AUTHORIZED_KEYS' }),
  group: z.string().optional().describe('Group whose settings this user inherits (a name with no [[groups]] entry warns; the user gets the global settings)').meta({ userEnv: 'GROUP' }),
  max_connections: uint.optional().describe('Concurrent connections (absent = group, then limits.max_connections_per_user)').meta({ userEnv: 'MAX_CONNECTIONS' }),
  totp_enabled: z.boolean().default(false).describe('Require a TOTP code after the password').meta({ userEnv: 'TOTP_ENABLED' }),
  totp_secret: z.string().regex(/^[A-Z2-7]+=*$/i, 'expected a base32 secret').optional().describe('Base32 seed from `sks5 generate-totp`').meta({ userEnv: 'TOTP_SECRET', secret: true }),
  source_ips: z.array(cidr).default([]).describe('Client addresses/CIDRs this user may connect from (empty = any)').meta({ userEnv: 'SOURCE_IPS' }),
  expires_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an RFC 3339 date-time').optional().describe('RFC 3339 time after which the account is refused').meta({ userEnv: 'EXPIRES_AT' }),
  upstream_proxy: z.string().optional().describe('socks5:// proxy for this user\'s connections (overrides upstream_proxy; socks5h:// resolves names there)').meta({ userEnv: 'UPSTREAM_PROXY' }),
  aliases: z.record(z.string(), z.string()).default({}).describe('Shell aliases (name = command)'),
  acl: aclSchema.prefault({}).describe('Destination rules for this user'),
  ...inheritable,
});

export const serverSchema = z.strictObject({
  ssh_listen: listenAddr.default('0.0.0.0:2222').describe('SSH listen address (HOST:PORT; IPv6 as [addr]:port)').meta({ env: 'SKS5_SSH_LISTEN' }),
  socks5_listen: listenAddr.optional().describe('Standalone SOCKS5 listen address; absent = SOCKS5 only through SSH -D').meta({ env: 'SKS5_SOCKS5_LISTEN' }),
  host_key_path: z.string().default('host_key').describe('SSH host key file; an Ed25519 key is generated there when missing').meta({ env: 'SKS5_HOST_KEY_PATH' }),
  server_id: z.string().startsWith('SSH-2.0-', 'must start with SSH-2.0-').default('SSH-2.0-sks5').describe('SSH identification string sent to clients').meta({ env: 'SKS5_SERVER_ID' }),
  banner: z.string().default('Welcome to sks5').describe('Text shown before authentication').meta({ env: 'SKS5_BANNER' }),
  motd_path: z.string().optional().describe('File with the message of the day shown in the shell').meta({ env: 'SKS5_MOTD_PATH' }),
  allowed_ciphers: z.array(z.string()).default([]).describe('Restrict SSH ciphers (empty = library defaults)').meta({ env: 'SKS5_ALLOWED_CIPHERS' }),
  allowed_kex: z.array(z.string()).default([]).describe('Restrict SSH key exchange algorithms (empty = library defaults)').meta({ env: 'SKS5_ALLOWED_KEX' }),
  shutdown_timeout: uint.default(30).describe('Seconds to let connections drain on SIGTERM').meta({ env: 'SKS5_SHUTDOWN_TIMEOUT' }),
  workers: z.union([
    z.number().int().min(1).max(256),
    z.literal('auto'),
    // From SKS5_WORKERS, which arrives as text.
    z.string().regex(/^[1-9][0-9]{0,2}$/, 'expected a number of worker processes (1-256) or "auto"').transform(Number).pipe(z.number().int().min(1).max(256)),
  ]).optional().describe('Worker processes sharing the listeners: a number, or "auto" for one per core (unset or 1: one process)').meta({ env: 'SKS5_WORKERS' }),
  worker_distribution: z.enum(['least_connections', 'kernel', 'round_robin']).default('least_connections').describe('With workers: the primary accepts and hands each connection to the worker with the fewest open ones (least_connections: even spread, the primary\'s CPU per connection); every worker accepts from the shared listening socket itself and the kernel picks (kernel: the highest connection rate, but a few long connections arriving together may all land on one worker); or node:cluster\'s round robin').meta({ env: 'SKS5_WORKER_DISTRIBUTION' }),
  socks5_tls_cert: z.string().optional().describe('PEM certificate to serve SOCKS5 over TLS (set with socks5_tls_key)').meta({ env: 'SKS5_SOCKS5_TLS_CERT' }),
  socks5_tls_key: z.string().optional().describe('PEM private key for socks5_tls_cert').meta({ env: 'SKS5_SOCKS5_TLS_KEY' }),
  dns_cache_ttl: z.number().int().min(-1).default(-1).describe('DNS cache TTL in seconds: -1 = 60 s, 0 = no cache').meta({ env: 'SKS5_DNS_CACHE_TTL' }),
  dns_cache_max_entries: uint.default(1000).describe('DNS cache size (host:port entries)').meta({ env: 'SKS5_DNS_CACHE_MAX_ENTRIES' }),
  connect_retry: uint.max(10).default(0).describe('Retries when an outbound connect fails (0-10)').meta({ env: 'SKS5_CONNECT_RETRY' }),
  connect_retry_delay_ms: uint.default(1000).describe('First retry delay; doubles each retry, capped at 10 s').meta({ env: 'SKS5_CONNECT_RETRY_DELAY_MS' }),
  bookmarks_path: z.string().optional().describe('Legacy bookmarks file (bookmarks live in persistence.data_dir)').meta({ env: 'SKS5_BOOKMARKS_PATH' }),
  ssh_keepalive_interval_secs: uint.default(15).describe('Seconds between SSH keepalives (0 = off)').meta({ env: 'SKS5_SSH_KEEPALIVE_INTERVAL' }),
  ssh_keepalive_max: uint.default(3).describe('Unanswered keepalives before the connection is dropped').meta({ env: 'SKS5_SSH_KEEPALIVE_MAX' }),
  ssh_auth_timeout: z.number().int().min(10).max(600).default(120).describe('Seconds allowed to authenticate (10-600)').meta({ env: 'SKS5_SSH_AUTH_TIMEOUT' }),
  proxy_protocol: z.boolean().default(false).describe('Accept PROXY protocol v1/v2 on the SSH listener'),
  proxy_protocol_trusted_cidrs: z.array(cidr).default(['127.0.0.0/8', '::1/128']).describe('Peers allowed to send a PROXY protocol header'),
  http_proxy_listen: listenAddr.optional().describe('HTTP proxy listen address (CONNECT and absolute-form http:// requests, Basic auth); absent = off').meta({ env: 'SKS5_HTTP_PROXY_LISTEN' }),
  http_proxy_tls_cert: z.string().optional().describe('PEM certificate to serve the HTTP proxy over TLS, an HTTPS proxy (set with http_proxy_tls_key)').meta({ env: 'SKS5_HTTP_PROXY_TLS_CERT' }),
  http_proxy_tls_key: z.string().optional().describe('PEM private key for http_proxy_tls_cert').meta({ env: 'SKS5_HTTP_PROXY_TLS_KEY' }),
});

export const shellSchema = z.strictObject({
  hostname: z.string().default('sks5-proxy').describe('Host name shown in the shell prompt').meta({ env: 'SKS5_SHELL_HOSTNAME' }),
  prompt: z.string().default('$ ').describe('Shell prompt suffix').meta({ env: 'SKS5_SHELL_PROMPT' }),
  colors: z.boolean().default(true).describe('ANSI colors in the shell').meta({ env: 'SKS5_SHELL_COLORS' }),
  autocomplete: z.boolean().default(true).describe('Tab completion in the shell').meta({ env: 'SKS5_SHELL_AUTOCOMPLETE' }),
});

export const limitsSchema = z.strictObject({
  max_connections: uint.default(1000).describe('Concurrent authenticated connections, all users and doors (0 = unlimited); connections still authenticating count against max_startups instead').meta({ env: 'SKS5_MAX_CONNECTIONS' }),
  max_connections_per_user: uint.default(0).describe('Concurrent connections per user (0 = unlimited)').meta({ env: 'SKS5_MAX_CONNECTIONS_PER_USER' }),
  connection_timeout: z.number().int().positive().default(300).describe('Seconds allowed to connect to a target').meta({ env: 'SKS5_CONNECTION_TIMEOUT' }),
  idle_timeout: uint.default(0).describe('Close a relay idle this many seconds (0 = never)').meta({ env: 'SKS5_IDLE_TIMEOUT' }),
  max_auth_attempts: z.number().int().positive().default(3).describe('Failed authentications before the connection is closed').meta({ env: 'SKS5_MAX_AUTH_ATTEMPTS' }),
  socks5_handshake_timeout: z.number().int().min(1).max(120).default(30).describe('Seconds allowed for the SOCKS5 greeting and request (1-120)').meta({ env: 'SKS5_SOCKS5_HANDSHAKE_TIMEOUT' }),
  http_header_timeout: z.number().int().min(1).max(120).default(30).describe('Seconds allowed for an HTTP proxy request line and headers, and for the TLS handshake of an HTTPS proxy (1-120)').meta({ env: 'SKS5_HTTP_HEADER_TIMEOUT' }),
  idle_warning_secs: uint.default(0).describe('Warn shell users this many seconds before the idle timeout (0 = off)').meta({ env: 'SKS5_IDLE_WARNING_SECS' }),
  max_bandwidth_mbps: uint.default(0).describe('Server-wide bandwidth cap in Mbit/s (0 = unlimited)').meta({ env: 'SKS5_MAX_BANDWIDTH_MBPS' }),
  max_new_connections_per_second: uint.default(0).describe('Server-wide new connections per second (0 = unlimited)').meta({ env: 'SKS5_MAX_NEW_CONNECTIONS_PER_SECOND' }),
  max_new_connections_per_minute: uint.default(0).describe('Server-wide new connections per minute (0 = unlimited)').meta({ env: 'SKS5_MAX_NEW_CONNECTIONS_PER_MINUTE_SERVER' }),
  udp_relay_timeout: uint.default(300).describe('UDP ASSOCIATE session timeout in seconds').meta({ env: 'SKS5_UDP_RELAY_TIMEOUT' }),
  max_udp_sessions_per_user: uint.default(0).describe('UDP sessions per user (0 = unlimited)').meta({ env: 'SKS5_MAX_UDP_SESSIONS_PER_USER' }),
  max_startups: z.string().default('200:30:500').superRefine((s, ctx) => {
    const r = parseMaxStartups(s);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
  }).describe('Unauthenticated connections in progress, all doors, as OpenSSH MaxStartups "start:rate:full": from start on, drop new ones with rate % chance, rising to 100 % at full ("0" = no total budget)').meta({ env: 'SKS5_MAX_STARTUPS' }),
  per_source_max_startups: uint.default(32).describe('Unauthenticated connections in progress from one source (IPv4 address, IPv6 /64), as OpenSSH PerSourceMaxStartups (0 = unlimited)').meta({ env: 'SKS5_PER_SOURCE_MAX_STARTUPS' }),
});

export const securitySchema = z.strictObject({
  allowed_source_ips: z.array(cidr).default([]).describe('Only these client addresses/CIDRs may connect (empty = all)').meta({ env: 'SKS5_ALLOWED_SOURCE_IPS' }),
  ban_enabled: z.boolean().default(true).describe('Ban client IPs after repeated authentication failures').meta({ env: 'SKS5_BAN_ENABLED' }),
  ban_threshold: z.number().int().min(1).default(5).describe('Failures within ban_window that trigger a ban').meta({ env: 'SKS5_BAN_THRESHOLD' }),
  ban_window: z.number().int().positive().default(300).describe('Seconds over which failures are counted').meta({ env: 'SKS5_BAN_WINDOW' }),
  ban_duration: z.number().int().positive().default(900).describe('Ban length in seconds').meta({ env: 'SKS5_BAN_DURATION' }),
  ban_whitelist: z.array(cidr).default([]).describe('Addresses/CIDRs never banned').meta({ env: 'SKS5_BAN_WHITELIST' }),
  ip_guard_enabled: z.boolean().default(true).describe('Refuse targets in private, loopback, link-local and metadata ranges (anti-SSRF)').meta({ env: 'SKS5_IP_GUARD_ENABLED' }),
  ip_guard_exemptions: z.array(z.string()).default([]).describe('Targets the anti-SSRF guard lets through, as ADDRESS[/PREFIX]:PORT ("127.0.0.1:8080", "10.0.0.0/8:443", "[::1]:9000", ports "8000-8100" or "*"); matched on the address actually connected to, like the guard; host names are refused').meta({ env: 'SKS5_IP_GUARD_EXEMPTIONS' }),
  max_new_connections_per_ip_per_minute: uint.default(0).describe('New connections per client IP per minute (0 = unlimited)').meta({ env: 'SKS5_MAX_NEW_CONNECTIONS_PER_IP_PER_MINUTE' }),
  totp_required_for: z.array(z.enum(['ssh', 'socks5', 'http'])).default([]).describe('Protocols that require a TOTP code: "ssh", "socks5", "http" (the HTTP proxy door)').meta({ env: 'SKS5_TOTP_REQUIRED_FOR' }),
  ip_reputation_enabled: z.boolean().default(false).describe('Score client IPs by past behaviour and ban bad ones').meta({ env: 'SKS5_IP_REPUTATION_ENABLED' }),
  ip_reputation_ban_threshold: uint.default(100).describe('Reputation score that triggers a ban').meta({ env: 'SKS5_IP_REPUTATION_BAN_THRESHOLD' }),
  trusted_user_ca_keys: z.array(z.string()).default([]).describe('CA public keys (authorized_keys format) trusted to sign user certificates').meta({ env: 'SKS5_TRUSTED_USER_CA_KEYS' }),
  argon2_memory_cost: z.number().int().min(1024).default(19456).describe('Argon2id memory in KiB for hash-password').meta({ env: 'SKS5_ARGON2_MEMORY_COST' }),
  argon2_time_cost: z.number().int().min(1).default(2).describe('Argon2id iterations').meta({ env: 'SKS5_ARGON2_TIME_COST' }),
  argon2_parallelism: z.number().int().min(1).default(1).describe('Argon2id lanes').meta({ env: 'SKS5_ARGON2_PARALLELISM' }),
  rate_limit_cleanup_interval: z.number().int().positive().default(60).describe('Seconds between rate-limiter cleanups').meta({ env: 'SKS5_RATE_LIMIT_CLEANUP_INTERVAL' }),
  rate_limit_max_ips: z.number().int().positive().default(100000).describe('Client IPs tracked by the rate limiter').meta({ env: 'SKS5_RATE_LIMIT_MAX_IPS' }),
  rate_limit_max_users: z.number().int().positive().default(10000).describe('Users tracked by the rate limiter').meta({ env: 'SKS5_RATE_LIMIT_MAX_USERS' }),
  auth_cache_ttl: uint.default(300).describe('Seconds a SOCKS5 password that verified is remembered (as an HMAC) so repeat connections skip Argon2id; 0 = verify every connection'),
  require_approved_fingerprint: z.boolean().default(false).describe('Refuse SSH clients whose KEXINIT fingerprint is not approved in the gate store'),
  fingerprint_db: z.string().optional().describe('sshgate-format SQLite store for SSH client fingerprints (default: data_dir/fingerprints.db)'),
});

export const loggingSchema = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info').describe('trace, debug, info, warn or error').meta({ env: 'SKS5_LOG_LEVEL' }),
  format: z.enum(['pretty', 'json']).default('pretty').describe('"pretty" for terminals, "json" for collectors').meta({ env: 'SKS5_LOG_FORMAT' }),
  audit_log_path: z.string().optional().describe('JSON-lines audit log file (absent = no audit file)').meta({ env: 'SKS5_AUDIT_LOG_PATH' }),
  audit_max_size_mb: z.number().int().positive().default(100).describe('Rotate the audit log at this size').meta({ env: 'SKS5_AUDIT_MAX_SIZE_MB' }),
  audit_max_files: z.number().int().positive().default(5).describe('Rotated audit files kept').meta({ env: 'SKS5_AUDIT_MAX_FILES' }),
  connection_flow_logs: z.boolean().default(false).describe('Debug trace of every pipeline step').meta({ env: 'SKS5_CONNECTION_FLOW_LOGS' }),
  log_denied_connections: z.boolean().default(true).describe('Log a warning for each denied connection').meta({ env: 'SKS5_LOG_DENIED_CONNECTIONS' }),
});

export const metricsSchema = z.strictObject({
  enabled: z.boolean().default(false).describe('Serve /metrics').meta({ env: 'SKS5_METRICS_ENABLED' }),
  listen: listenAddr.default('127.0.0.1:9090').describe('Metrics listen address').meta({ env: 'SKS5_METRICS_LISTEN' }),
  max_metric_labels: z.number().int().positive().default(100).describe('Distinct user label values before they are folded into "other"').meta({ env: 'SKS5_MAX_METRIC_LABELS' }),
});

export const apiSchema = z.strictObject({
  enabled: z.boolean().default(false).describe('Serve the API (requires a token)').meta({ env: 'SKS5_API_ENABLED' }),
  listen: listenAddr.default('127.0.0.1:9091').describe('API listen address').meta({ env: 'SKS5_API_LISTEN' }),
  token: z.string().default('').describe('Bearer token, at least 16 characters when enabled').meta({ env: 'SKS5_API_TOKEN', secret: true }),
});

export const geoipSchema = z.strictObject({
  enabled: z.boolean().default(false).describe('Check client countries').meta({ env: 'SKS5_GEOIP_ENABLED' }),
  database_path: z.string().optional().describe('MaxMind country database (.mmdb)').meta({ env: 'SKS5_GEOIP_DATABASE_PATH' }),
  allowed_countries: z.array(z.string().length(2).transform((s) => s.toUpperCase())).default([]).describe('ISO codes allowed (empty = all not denied)').meta({ env: 'SKS5_GEOIP_ALLOWED_COUNTRIES' }),
  denied_countries: z.array(z.string().length(2).transform((s) => s.toUpperCase())).default([]).describe('ISO codes refused').meta({ env: 'SKS5_GEOIP_DENIED_COUNTRIES' }),
  fail_closed: z.boolean().default(false).describe('Refuse clients whose country is unknown').meta({ env: 'SKS5_GEOIP_FAIL_CLOSED' }),
});

export const upstreamProxySchema = z.strictObject({
  url: z.string().regex(/^socks5h?:\/\//, 'expected socks5://[user:pass@]host:port').describe('socks5://[user:pass@]host:port (socks5h:// also sends names unresolved, as remote_dns)').meta({ env: 'SKS5_UPSTREAM_PROXY_URL' }),
  remote_dns: z.boolean().default(false).describe('Send host names to the upstream unresolved (for upstreams that resolve in another network, e.g. Tor); name ACL rules still apply, address rules and the anti-SSRF guard cannot see the address (applies to per-user upstreams too)').meta({ env: 'SKS5_UPSTREAM_PROXY_REMOTE_DNS' }),
});

export const webhookSchema = z.strictObject({
  url: z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL').describe('http(s) endpoint; private addresses need allow_private_ips'),
  events: z.array(z.string()).default([]).describe('Event names to send (empty = all)'),
  secret: z.string().optional().describe('HMAC-SHA256 signing secret'),
  format: z.enum(['generic', 'slack', 'discord', 'custom']).default('generic').describe('generic, slack, discord or custom'),
  template: z.string().optional().describe('Body template for format = "custom"'),
  allow_private_ips: z.boolean().default(false).describe('Allow loopback/private targets'),
  max_retries: uint.max(20).default(3).describe('Delivery retries'),
  retry_delay_ms: uint.default(1000).describe('First retry delay (doubles)'),
  max_retry_delay_ms: uint.default(30000).describe('Retry delay cap'),
});

export const alertRuleSchema = z.strictObject({
  name: z.string().min(1).describe('Rule name'),
  condition: z.enum(['bandwidth_exceeded', 'connections_exceeded', 'auth_failures', 'monthly_bandwidth_exceeded', 'hourly_bandwidth_exceeded']).describe('What is measured'),
  threshold: uint.describe('Value that fires the alert'),
  window_secs: z.number().int().positive().default(3600).describe('Measurement window'),
  users: z.array(z.string()).default([]).describe('Users watched (empty = all)'),
  webhook_url: z.string().optional().describe('Where the alert is posted'),
});

export const alertingSchema = z.strictObject({
  enabled: z.boolean().default(false).describe('Evaluate alert rules'),
  rules: z.array(alertRuleSchema).default([]).describe('Alert rules'),
});

export const maintenanceWindowSchema = z.strictObject({
  schedule: z.string().regex(/^(daily|mon|tue|wed|thu|fri|sat|sun)\s+([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/i, 'expected "Sun 02:00-04:00" or "daily 03:00-04:30"').describe('"Sun 02:00-04:00" or "daily 03:00-04:30"'),
  message: z.string().default('Server is under scheduled maintenance. Please try again later.').describe('Message shown to refused clients'),
  disconnect_existing: z.boolean().default(false).describe('Also close open connections when the window starts'),
});

export const connectionPoolSchema = z.strictObject({
  enabled: z.boolean().default(false).describe('Not enforced (pooling client streams is unsafe for a proxy)'),
  max_idle_per_host: uint.default(10).describe('Not enforced'),
  idle_timeout_secs: uint.default(60).describe('Not enforced'),
});

export const persistenceSchema = z.strictObject({
  data_dir: z.string().optional().describe('Directory for state files').meta({ env: 'SKS5_DATA_DIR' }),
  state: z.strictObject({
    enabled: z.boolean().default(true).describe('Persist bans, quotas and reputation').meta({ env: 'SKS5_STATE_PERSIST_ENABLED' }),
    flush_interval_secs: z.number().int().min(1).max(3600).default(30).describe('Seconds between state flushes').meta({ env: 'SKS5_STATE_FLUSH_INTERVAL' }),
    ip_reputation_min_score: uint.default(10).describe('Scores below this are not persisted').meta({ env: 'SKS5_STATE_IP_REP_MIN_SCORE' }),
    ip_reputation_flush_interval_secs: z.number().int().min(1).max(3600).default(300).describe('Seconds between reputation flushes').meta({ env: 'SKS5_STATE_IP_REP_FLUSH_INTERVAL' }),
    inactive_user_retention_days: uint.default(30).describe('Forget state of users inactive this long').meta({ env: 'SKS5_STATE_INACTIVE_USER_DAYS' }),
  }).prefault({}).describe('Bans, quotas and reputation'),
  userdata: z.strictObject({
    enabled: z.boolean().default(true).describe('Persist shell history and bookmarks').meta({ env: 'SKS5_USERDATA_ENABLED' }),
    shell_history_max: uint.max(10000).default(100).describe('History lines kept per user').meta({ env: 'SKS5_SHELL_HISTORY_MAX' }),
    shell_history_flush_secs: z.number().int().min(1).max(600).default(60).describe('Seconds between history flushes').meta({ env: 'SKS5_SHELL_HISTORY_FLUSH_SECS' }),
    bookmarks_max: uint.max(1000).default(50).describe('Bookmarks per user').meta({ env: 'SKS5_BOOKMARKS_MAX' }),
    inactive_retention_days: uint.default(90).describe('Forget data of users inactive this long').meta({ env: 'SKS5_USERDATA_INACTIVE_DAYS' }),
  }).prefault({}).describe('Shell history and bookmarks'),
  config_history: z.strictObject({
    enabled: z.boolean().default(true).describe('Keep previous configs').meta({ env: 'SKS5_CONFIG_HISTORY_ENABLED' }),
    max_entries: z.number().int().min(1).max(500).default(50).describe('Configs kept').meta({ env: 'SKS5_CONFIG_HISTORY_MAX' }),
  }).prefault({}).describe('Copies of previous configs on reload'),
});

/** `redis://` or `rediss://` (TLS), optional `user:password@`, optional `/db`; never echoed in errors (it may hold a password). */
export function isRedisUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '' && /^(\/\d{0,2})?$/.test(u.pathname);
  } catch {
    return false;
  }
}

export const clusterSchema = z.strictObject({
  redis_url: z.string().refine(isRedisUrl, { message: 'expected redis://[user:password@]host:port[/db] or rediss:// for TLS' }).optional()
    .describe('Redis that several sks5 instances share state through (bans, failure windows, reputation, quotas, limits, sessions, client fingerprint approvals: docs/cluster.md); unset = this instance alone').meta({ env: 'SKS5_CLUSTER_REDIS_URL', secret: true }),
  node_name: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional()
    .describe('This instance in the cluster (default: host name and SSH port, e.g. "bastion1:2222")').meta({ env: 'SKS5_CLUSTER_NODE_NAME' }),
  key_prefix: z.string().max(64).default('sks5:').describe('Prefix of every Redis key and channel, so clusters can share one Redis').meta({ env: 'SKS5_CLUSTER_KEY_PREFIX' }),
});

/**
 * Each fast path below relies on a Node or ssh2 internal (one module each, with a canary test). When a
 * release breaks one, an operator turns it off here and sks5 falls back to the public API: slower, same
 * behaviour on the wire except where a description says otherwise.
 */
export const fastPathsSchema = z.strictObject({
  raw_relay: z.boolean().default(true).describe('Relay plain TCP tunnels through net.Socket\'s internal user-buffer slots and direct write(2) (src/relay/raw-socket.ts); false = Node streams'),
  ssh_open_failure_reason: z.boolean().default(true).describe('Send our reason and description in CHANNEL_OPEN_FAILURE by substituting ssh2\'s internal channelOpenFail (src/ssh/open-failure.ts); false = ssh2\'s reject(): reason "connect failed", no description'),
  ssh_disconnect_text: z.boolean().default(true).describe('Tell a refused or closed SSH client why, in the DISCONNECT description OpenSSH prints, written through ssh2\'s internal packet writer (src/ssh/disconnect.ts); false = ssh2\'s end(): DISCONNECT with no description'),
  ssh_pooled_padding: z.boolean().default(true).describe('Draw the random padding of the SSH packets we send from a pooled CSPRNG block instead of one randomFillSync call per packet, through each connection\'s ssh2 cipher object (src/ssh/padding-pool.ts); false = ssh2\'s own padding'),
  ssh_channel_single_destroy: z.boolean().default(true).describe('Turn off Node\'s autoDestroy on forwarded SSH channels so ssh2\'s destroy runs once (src/ssh/channel-auto-destroy.ts); false = a discarded stream error per channel'),
}).describe('Switches for the fast paths that reach into Node or ssh2 internals; turn one off if a release breaks it');

export const configSchema = z.strictObject({
  server: serverSchema.prefault({}).describe('Listeners, host key and connection-level settings'),
  shell: shellSchema.prefault({}).describe('The built-in restricted shell'),
  limits: limitsSchema.prefault({}).describe('Server-wide connection limits and timeouts'),
  security: securitySchema.prefault({}).describe('Bans, source restrictions, SSRF guard, TOTP and password hashing'),
  logging: loggingSchema.prefault({}).describe('Logs and the audit trail'),
  metrics: metricsSchema.prefault({}).describe('Prometheus endpoint'),
  api: apiSchema.prefault({}).describe('REST API and dashboard'),
  geoip: geoipSchema.prefault({}).describe('Country filtering of client addresses'),
  motd: motdSchema.prefault({}).describe('Message of the day in the shell'),
  acl: globalAclSchema.prefault({}).describe('Global destination rules, merged into every user\'s ACL'),
  upstream_proxy: upstreamProxySchema.optional().describe('Send all outbound connections through another SOCKS5 proxy'),
  webhooks: z.array(webhookSchema).default([]).describe('HTTP notifications of events'),
  alerting: alertingSchema.prefault({}).describe('Threshold alerts'),
  maintenance_windows: z.array(maintenanceWindowSchema).default([]).describe('Scheduled windows during which new connections are refused'),
  connection_pool: connectionPoolSchema.prefault({}).describe('Accepted for compatibility; connections are never pooled'),
  persistence: persistenceSchema.prefault({}).describe('State kept across restarts (SQLite under data_dir)'),
  cluster: clusterSchema.prefault({}).describe('Several instances acting as one through Redis (docs/cluster.md)'),
  fast_paths: fastPathsSchema.prefault({}),
  groups: z.array(groupSchema).default([]).describe('Named sets of defaults that users join with `group`'),
  users: z.array(userSchema).min(1, 'at least one [[users]] entry is required').describe('Accounts (at least one)'),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type UserConfig = z.output<typeof userSchema>;
export type GroupConfig = z.output<typeof groupSchema>;
export type AclConfig = z.output<typeof aclSchema>;
export type QuotasConfig = z.output<typeof quotasSchema>;
export type RateLimitsConfig = z.output<typeof rateLimitsSchema>;
export type TimeAccessConfig = z.output<typeof timeAccessSchema>;
export type ShellPermissions = z.output<typeof shellPermissionsSchema>;
export type MotdConfig = z.output<typeof motdSchema>;
export type WebhookConfig = z.output<typeof webhookSchema>;
export type AlertRuleConfig = z.output<typeof alertRuleSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
