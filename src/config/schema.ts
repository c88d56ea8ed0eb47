/**
 * The one config schema: the TOML format of the original sks5, its key names and defaults.
 * Types come from this object (`Config`), validation too, and `npm run gen` writes docs/config.md
 * from it. Objects are strict so a typo is reported with its key path instead of silently ignored.
 */
import { z } from 'zod';
import { splitHostPort } from '../host-port.js';
import { parseCidr } from '../policy/ip-address.js';
import { parseMaxStartups } from '../policy/startups.js';

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
  default_policy: policy.optional().describe('Policy when no rule matches (user > group > global; global default "allow")'),
  allow: z.array(z.string()).default([]).describe('Allow rules: host:port, cidr:port, *.suffix:port, [ipv6]:port; ports 443, 80-443 or *'),
  deny: z.array(z.string()).default([]).describe('Deny rules, checked before allow rules'),
  inherit: z.boolean().default(true).describe('Concatenate global + group rules before this one'),
});

export const globalAclSchema = z.strictObject({
  default_policy: policy.default('allow'),
  allow: z.array(z.string()).default([]),
  deny: z.array(z.string()).default([]),
});

export const shellPermissionsSchema = z.strictObject({
  show_connections: z.boolean().default(true),
  show_bandwidth: z.boolean().default(true),
  show_acl: z.boolean().default(true),
  show_status: z.boolean().default(true),
  show_history: z.boolean().default(true),
  show_fingerprint: z.boolean().default(true),
  test_command: z.boolean().default(true),
  ping_command: z.boolean().default(true),
  resolve_command: z.boolean().default(true),
  bookmark_command: z.boolean().default(true),
  alias_command: z.boolean().default(true),
  show_quota: z.boolean().default(true),
  show_role: z.boolean().default(true),
  show_group: z.boolean().default(true),
  show_expires: z.boolean().default(true),
  show_source_ip: z.boolean().default(true),
  show_auth_method: z.boolean().default(true),
  show_uptime: z.boolean().default(true),
});

export const motdSchema = z.strictObject({
  enabled: z.boolean().default(true),
  colors: z.boolean().default(true),
  template: z.string().max(16384).optional(),
});

export const rateLimitsSchema = z.strictObject({
  connections_per_second: uint.default(0),
  connections_per_minute: uint.default(0),
  connections_per_hour: uint.default(0),
});

export const quotasSchema = z.strictObject({
  daily_bandwidth_bytes: uint.default(0),
  daily_connection_limit: uint.default(0),
  monthly_bandwidth_bytes: uint.default(0),
  monthly_connection_limit: uint.default(0),
  bandwidth_per_hour_bytes: uint.default(0),
  total_bandwidth_bytes: uint.default(0),
});

export const timeAccessSchema = z.strictObject({
  access_hours: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'expected HH:MM-HH:MM').optional(),
  access_days: z.array(z.string().transform((d) => d.toLowerCase()).pipe(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))).default([]),
  timezone: z.string().optional().describe('IANA time zone (e.g. Europe/Paris); UTC when absent'),
});

const authMethod = z.enum(['password', 'pubkey', 'publickey', 'certificate', 'keyboard-interactive', 'totp']);

/** Fields a group and a user share; a user value overrides the group's, which overrides the global one. */
const inheritable = {
  max_bandwidth_kbps: uint.optional(),
  max_aggregate_bandwidth_kbps: uint.optional(),
  max_new_connections_per_minute: uint.optional(),
  allow_shell: z.boolean().optional(),
  allow_forwarding: z.boolean().optional(),
  shell_permissions: shellPermissionsSchema.optional(),
  motd: motdSchema.optional(),
  quotas: quotasSchema.optional(),
  time_access: timeAccessSchema.optional(),
  auth_methods: z.array(authMethod).optional(),
  idle_warning_secs: uint.optional(),
  role: z.enum(['user', 'admin']).optional(),
  colors: z.boolean().optional(),
  connect_retry: uint.max(10).optional(),
  connect_retry_delay_ms: uint.optional(),
  rate_limits: rateLimitsSchema.optional(),
  require_approved_fingerprint: z.boolean().optional(),
};

export const groupSchema = z.strictObject({
  name: z.string().min(1),
  acl: aclSchema.optional(),
  max_connections_per_user: uint.optional(),
  ...inheritable,
});

export const userSchema = z.strictObject({
  username: z.string().min(1).max(255).regex(/^[^\s:\x00-\x1f]+$/, 'no spaces, colons or control characters'),
  // Not checked here: a placeholder hash (as in the original's example file) only disables password
  // login for this user, so validate.ts warns instead of refusing the file.
  password_hash: z.string().optional(),
  authorized_keys: z.array(z.string()).default([]),
  group: z.string().optional(),
  max_connections: uint.optional(),
  totp_enabled: z.boolean().default(false),
  totp_secret: z.string().regex(/^[A-Z2-7]+=*$/i, 'expected a base32 secret').optional(),
  source_ips: z.array(cidr).default([]),
  expires_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an RFC 3339 date-time').optional(),
  upstream_proxy: z.string().optional(),
  aliases: z.record(z.string(), z.string()).default({}),
  acl: aclSchema.prefault({}),
  ...inheritable,
});

export const serverSchema = z.strictObject({
  ssh_listen: listenAddr.default('0.0.0.0:2222'),
  socks5_listen: listenAddr.optional(),
  host_key_path: z.string().default('host_key'),
  server_id: z.string().startsWith('SSH-2.0-', 'must start with SSH-2.0-').default('SSH-2.0-sks5'),
  banner: z.string().default('Welcome to sks5'),
  motd_path: z.string().optional(),
  allowed_ciphers: z.array(z.string()).default([]),
  allowed_kex: z.array(z.string()).default([]),
  shutdown_timeout: uint.default(30),
  socks5_tls_cert: z.string().optional(),
  socks5_tls_key: z.string().optional(),
  dns_cache_ttl: z.number().int().min(-1).default(-1),
  dns_cache_max_entries: uint.default(1000),
  connect_retry: uint.max(10).default(0),
  connect_retry_delay_ms: uint.default(1000),
  bookmarks_path: z.string().optional(),
  ssh_keepalive_interval_secs: uint.default(15),
  ssh_keepalive_max: uint.default(3),
  ssh_auth_timeout: z.number().int().min(10).max(600).default(120),
  proxy_protocol: z.boolean().default(false).describe('Accept PROXY protocol v1/v2 on the SSH listener'),
  proxy_protocol_trusted_cidrs: z.array(cidr).default(['127.0.0.0/8', '::1/128']),
  http_proxy_listen: listenAddr.optional(),
  http_proxy_tls_cert: z.string().optional(),
  http_proxy_tls_key: z.string().optional(),
});

export const shellSchema = z.strictObject({
  hostname: z.string().default('sks5-proxy'),
  prompt: z.string().default('$ '),
  colors: z.boolean().default(true),
  autocomplete: z.boolean().default(true),
});

export const limitsSchema = z.strictObject({
  max_connections: uint.default(1000),
  max_connections_per_user: uint.default(0),
  connection_timeout: z.number().int().positive().default(300),
  idle_timeout: uint.default(0),
  max_auth_attempts: z.number().int().positive().default(3),
  socks5_handshake_timeout: z.number().int().min(1).max(120).default(30),
  http_header_timeout: z.number().int().min(1).max(120).default(30),
  idle_warning_secs: uint.default(0),
  max_bandwidth_mbps: uint.default(0),
  max_new_connections_per_second: uint.default(0),
  max_new_connections_per_minute: uint.default(0),
  udp_relay_timeout: uint.default(300),
  max_udp_sessions_per_user: uint.default(0),
  max_startups: z.string().default('200:30:500').superRefine((s, ctx) => {
    const r = parseMaxStartups(s);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
  }).describe('Unauthenticated connections in progress, all doors, as OpenSSH MaxStartups "start:rate:full": from start on, drop new ones with rate % chance, rising to 100 % at full ("0" = no total budget)'),
  per_source_max_startups: uint.default(32).describe('Unauthenticated connections in progress from one source (IPv4 address, IPv6 /64), as OpenSSH PerSourceMaxStartups (0 = unlimited)'),
});

export const securitySchema = z.strictObject({
  allowed_source_ips: z.array(cidr).default([]),
  ban_enabled: z.boolean().default(true),
  ban_threshold: z.number().int().min(1).default(5),
  ban_window: z.number().int().positive().default(300),
  ban_duration: z.number().int().positive().default(900),
  ban_whitelist: z.array(cidr).default([]),
  ip_guard_enabled: z.boolean().default(true),
  ip_guard_exemptions: z.array(z.string()).default([]).describe('Targets the anti-SSRF guard lets through, as ADDRESS[/PREFIX]:PORT ("127.0.0.1:8080", "10.0.0.0/8:443", "[::1]:9000", ports "8000-8100" or "*"); matched on the address actually connected to, like the guard; host names are refused'),
  max_new_connections_per_ip_per_minute: uint.default(0),
  totp_required_for: z.array(z.enum(['ssh', 'socks5', 'http'])).default([]),
  ip_reputation_enabled: z.boolean().default(false),
  ip_reputation_ban_threshold: uint.default(100),
  trusted_user_ca_keys: z.array(z.string()).default([]),
  argon2_memory_cost: z.number().int().min(1024).default(19456),
  argon2_time_cost: z.number().int().min(1).default(2),
  argon2_parallelism: z.number().int().min(1).default(1),
  rate_limit_cleanup_interval: z.number().int().positive().default(60),
  rate_limit_max_ips: z.number().int().positive().default(100000),
  rate_limit_max_users: z.number().int().positive().default(10000),
  auth_cache_ttl: uint.default(300).describe('Seconds a SOCKS5 password that verified is remembered (as an HMAC) so repeat connections skip Argon2id; 0 = verify every connection'),
  require_approved_fingerprint: z.boolean().default(false).describe('Refuse SSH clients whose KEXINIT fingerprint is not approved in the gate store'),
  fingerprint_db: z.string().optional().describe('sshgate-format SQLite store for SSH client fingerprints (default: data_dir/fingerprints.db)'),
});

export const loggingSchema = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  format: z.enum(['pretty', 'json']).default('pretty'),
  audit_log_path: z.string().optional(),
  audit_max_size_mb: z.number().int().positive().default(100),
  audit_max_files: z.number().int().positive().default(5),
  connection_flow_logs: z.boolean().default(false),
  log_denied_connections: z.boolean().default(true),
});

export const metricsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  listen: listenAddr.default('127.0.0.1:9090'),
  max_metric_labels: z.number().int().positive().default(100),
});

export const apiSchema = z.strictObject({
  enabled: z.boolean().default(false),
  listen: listenAddr.default('127.0.0.1:9091'),
  token: z.string().default(''),
});

export const geoipSchema = z.strictObject({
  enabled: z.boolean().default(false),
  database_path: z.string().optional(),
  allowed_countries: z.array(z.string().length(2).transform((s) => s.toUpperCase())).default([]),
  denied_countries: z.array(z.string().length(2).transform((s) => s.toUpperCase())).default([]),
  fail_closed: z.boolean().default(false),
});

export const upstreamProxySchema = z.strictObject({
  url: z.string().regex(/^socks5h?:\/\//, 'expected socks5://[user:pass@]host:port'),
  remote_dns: z.boolean().default(false),
});

export const webhookSchema = z.strictObject({
  url: z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL'),
  events: z.array(z.string()).default([]),
  secret: z.string().optional(),
  format: z.enum(['generic', 'slack', 'discord', 'custom']).default('generic'),
  template: z.string().optional(),
  allow_private_ips: z.boolean().default(false),
  max_retries: uint.max(20).default(3),
  retry_delay_ms: uint.default(1000),
  max_retry_delay_ms: uint.default(30000),
});

export const alertRuleSchema = z.strictObject({
  name: z.string().min(1),
  condition: z.enum(['bandwidth_exceeded', 'connections_exceeded', 'auth_failures', 'monthly_bandwidth_exceeded', 'hourly_bandwidth_exceeded']),
  threshold: uint,
  window_secs: z.number().int().positive().default(3600),
  users: z.array(z.string()).default([]),
  webhook_url: z.string().optional(),
});

export const alertingSchema = z.strictObject({
  enabled: z.boolean().default(false),
  rules: z.array(alertRuleSchema).default([]),
});

export const maintenanceWindowSchema = z.strictObject({
  schedule: z.string().regex(/^(daily|mon|tue|wed|thu|fri|sat|sun)\s+([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/i, 'expected "Sun 02:00-04:00" or "daily 03:00-04:30"'),
  message: z.string().default('Server is under scheduled maintenance. Please try again later.'),
  disconnect_existing: z.boolean().default(false),
});

export const connectionPoolSchema = z.strictObject({
  enabled: z.boolean().default(false),
  max_idle_per_host: uint.default(10),
  idle_timeout_secs: uint.default(60),
});

export const persistenceSchema = z.strictObject({
  data_dir: z.string().optional(),
  state: z.strictObject({
    enabled: z.boolean().default(true),
    flush_interval_secs: z.number().int().min(1).max(3600).default(30),
    ip_reputation_min_score: uint.default(10),
    ip_reputation_flush_interval_secs: z.number().int().min(1).max(3600).default(300),
    inactive_user_retention_days: uint.default(30),
  }).prefault({}),
  userdata: z.strictObject({
    enabled: z.boolean().default(true),
    shell_history_max: uint.max(10000).default(100),
    shell_history_flush_secs: z.number().int().min(1).max(600).default(60),
    bookmarks_max: uint.max(1000).default(50),
    inactive_retention_days: uint.default(90),
  }).prefault({}),
  config_history: z.strictObject({
    enabled: z.boolean().default(true),
    max_entries: z.number().int().min(1).max(500).default(50),
  }).prefault({}),
});

/** `redis://` or `rediss://` (TLS), optional `user:password@`, optional `/db`; never echoed in errors (it may hold a password). */
function isRedisUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '' && /^(\/\d{0,2})?$/.test(u.pathname);
  } catch {
    return false;
  }
}

export const clusterSchema = z.strictObject({
  redis_url: z.string().refine(isRedisUrl, { message: 'expected redis://[user:password@]host:port[/db] or rediss:// for TLS' }).optional()
    .describe('Redis that several sks5 instances share state through (bans, failure windows, reputation); unset = this instance alone. Env SKS5_CLUSTER_REDIS_URL or SKS5_CLUSTER_REDIS_URL_FILE'),
  node_name: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional()
    .describe('This instance in the cluster (default: host name and SSH port, e.g. "bastion1:2222")'),
  key_prefix: z.string().max(64).default('sks5:').describe('Prefix of every Redis key and channel, so clusters can share one Redis'),
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
  ssh_channel_single_destroy: z.boolean().default(true).describe('Turn off Node\'s autoDestroy on forwarded SSH channels so ssh2\'s destroy runs once (src/ssh/channel-auto-destroy.ts); false = a discarded stream error per channel'),
}).describe('Switches for the fast paths that reach into Node or ssh2 internals; turn one off if a release breaks it');

export const configSchema = z.strictObject({
  server: serverSchema.prefault({}),
  shell: shellSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  security: securitySchema.prefault({}),
  logging: loggingSchema.prefault({}),
  metrics: metricsSchema.prefault({}),
  api: apiSchema.prefault({}),
  geoip: geoipSchema.prefault({}),
  motd: motdSchema.prefault({}),
  acl: globalAclSchema.prefault({}),
  upstream_proxy: upstreamProxySchema.optional(),
  webhooks: z.array(webhookSchema).default([]),
  alerting: alertingSchema.prefault({}),
  maintenance_windows: z.array(maintenanceWindowSchema).default([]),
  connection_pool: connectionPoolSchema.prefault({}),
  persistence: persistenceSchema.prefault({}),
  cluster: clusterSchema.prefault({}),
  fast_paths: fastPathsSchema.prefault({}),
  groups: z.array(groupSchema).default([]),
  users: z.array(userSchema).min(1, 'at least one [[users]] entry is required'),
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
