/**
 * JSON schemas for every API body and response. Fastify validates requests with them, serializes
 * responses with them (only listed properties are written, so a stray secret is dropped), and
 * the OpenAPI document is generated from them. Field names are the original sks5's.
 */
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const strArray = { type: 'array', items: str } as const;
const nullableStr = { type: ['string', 'null'] } as const;

function obj(properties: Record<string, unknown>, required: string[] = Object.keys(properties)) {
  return { type: 'object', additionalProperties: false, properties, required } as const;
}

/** `{success, data, error}`; paginated lists add `next_cursor` beside `data`. */
export function envelope(data: unknown, paginated = false) {
  const properties: Record<string, unknown> = { success: bool, data, error: nullableStr };
  if (paginated) properties['next_cursor'] = nullableStr;
  return obj(properties, ['success', 'data']);
}

/** Every error answer carries a stable catalogued `code` (src/errors.ts, listed in docs/pipeline.md). */
export const errorEnvelope = errorEnvelopeOf({});

/** An error answer whose `data` has this schema (e.g. the reload's list of problems). */
export function errorEnvelopeOf(data: unknown) {
  return obj({ success: bool, data, error: str, code: str }, ['success', 'error', 'code']);
}

/** Standard responses for a route whose `data` has this schema. */
export function responses(data: unknown, paginated = false) {
  return { 200: envelope(data, paginated), '4xx': errorEnvelope, '5xx': errorEnvelope } as const;
}

export const statusSchema = obj({ status: str, uptime_secs: int, active_connections: int, total_users: int, maintenance: bool });
export const clusterViewSchema = obj({
  enabled: bool, node: nullableStr, state: nullableStr,
  nodes: { type: 'array', items: obj({ node: str, self: bool, version: str, started_at: str, last_heartbeat: str, heartbeat_age_ms: int, sessions: int, tunnels: int, redis: str }) },
});
export const clusterHealthSchema = obj({ node: str, state: str, redis: str, reason: str }, ['node', 'state', 'redis']);
export const healthSchema = obj({ status: str, maintenance: bool, active_connections: int, uptime_secs: int, cluster: clusterHealthSchema }, ['status', 'maintenance', 'active_connections', 'uptime_secs']);

export const quotaUsageSchema = obj({
  username: str, daily_bytes: int, daily_connections: int, monthly_bytes: int, monthly_connections: int,
  current_rate_bps: num, hourly_bytes: int, total_bytes: int, daily_bytes_limit: int, monthly_bytes_limit: int,
  hourly_bytes_limit: int, total_bytes_limit: int, daily_connections_limit: int, monthly_connections_limit: int,
});

export const userSummarySchema = obj({
  username: str, allow_shell: bool, authorized_keys_count: int, source_ips: strArray, expires_at: nullableStr,
  current_connections: int, total_bytes_transferred: int, quota_usage: quotaUsageSchema,
}, ['username', 'allow_shell', 'authorized_keys_count', 'source_ips', 'expires_at']);

const boolMap = { type: 'object', additionalProperties: bool } as const;
const intMap = { type: 'object', additionalProperties: int } as const;
const strMap = { type: 'object', additionalProperties: str } as const;

export const userDetailSchema = obj({
  username: str, role: str, group: nullableStr, allow_shell: bool, allow_forwarding: bool, has_password: bool,
  authorized_keys_fingerprints: strArray, totp_enabled: bool, source_ips: strArray, expires_at: nullableStr,
  max_bandwidth_kbps: int, max_aggregate_bandwidth_kbps: int, max_new_connections_per_minute: int, max_connections: int,
  acl: obj({ default_policy: str, allow_rules: strArray, deny_rules: strArray }),
  shell_permissions: boolMap,
  quotas: intMap,
  time_access: obj({ access_hours: str, access_days: strArray, timezone: str }, ['access_days']),
  auth_methods: strArray,
  aliases: strMap,
  idle_warning_secs: int, colors: bool, connect_retry: int, connect_retry_delay_ms: int,
  current_connections: int, total_bytes_transferred: int, quota_usage: quotaUsageSchema,
}, [
  'username', 'role', 'group', 'allow_shell', 'has_password', 'authorized_keys_fingerprints', 'totp_enabled', 'source_ips',
  'expires_at', 'acl', 'shell_permissions', 'aliases', 'current_connections', 'total_bytes_transferred',
]);

export const connectionsSchema = obj({
  active_connections: int,
  user_connections: { type: 'array', items: obj({ username: str, connections: int, node: str }, ['username', 'connections']) },
});

export const banSchema = obj({ ip: str, remaining_secs: int });

export const groupSchema = obj({
  name: str, member_count: int, active_connections: int, total_daily_bytes: int, total_monthly_bytes: int,
  members: { type: 'array', items: obj({ username: str, active_connections: int, daily_bytes: int, monthly_bytes: int }) },
});

export const sessionSchema = obj({
  session_id: str, username: str, target_host: str, target_port: int, source_ip: str, started_at: str,
  bytes_up: int, bytes_down: int, duration_secs: int, protocol: { type: 'string', enum: ['ssh', 'socks5', 'socks5-tls', 'http', 'http-tls'] },
  node: str,
}, ['session_id', 'username', 'target_host', 'target_port', 'source_ip', 'started_at', 'bytes_up', 'bytes_down', 'duration_secs', 'protocol']);

const quotaSnapshotSchema = obj({ daily_bytes: int, daily_connections: int, monthly_bytes: int, monthly_connections: int, total_bytes: int });

/** What GET /api/backup returns in `data`, and what POST /api/restore takes. */
export const backupSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'bans', 'quotas'],
  properties: {
    // The original writes its version string ("0.0.15"); our backups before 0.1.0 wrote the integer 1.
    version: { anyOf: [{ type: 'string', minLength: 1, maxLength: 64 }, { type: 'integer', minimum: 1, maximum: 1 }] },
    timestamp: str,
    bans: {
      type: 'array', maxItems: 100_000,
      items: obj({ ip: { type: 'string', maxLength: 64 }, remaining_secs: { type: 'integer', minimum: 0 } }),
    },
    quotas: {
      type: 'object', maxProperties: 100_000,
      propertyNames: { maxLength: 255 },
      additionalProperties: {
        type: 'object', additionalProperties: false,
        properties: { daily_bytes: { type: 'integer', minimum: 0 }, daily_connections: { type: 'integer', minimum: 0 }, monthly_bytes: { type: 'integer', minimum: 0 }, monthly_connections: { type: 'integer', minimum: 0 }, total_bytes: { type: 'integer', minimum: 0 } },
      },
    },
  },
} as const;
export const backupResponseSchema = obj({ version: str, timestamp: str, bans: { type: 'array', items: banSchema }, quotas: { type: 'object', additionalProperties: quotaSnapshotSchema } });

export const fingerprintSchema = obj({
  fingerprint: str, status: str, label: str, hassh: str, client_id: str,
  first_seen: nullableStr, last_seen: nullableStr, count: int, ips: strArray,
});

export const paginationQuery = {
  // Query strings are not coerced (see server.ts), so the number is checked as text, then parsed.
  limit: { type: 'string', pattern: '^[0-9]{1,6}$' },
  cursor: { type: 'string', maxLength: 1024 },
} as const;

export const usernameParam = obj({ username: { type: 'string', minLength: 1, maxLength: 255 } });
export const messageBody = obj({ message: { type: 'string', minLength: 1, maxLength: 4096 }, users: { type: 'array', maxItems: 10_000, items: { type: 'string', maxLength: 255 } } }, ['message']);
export const labelBody = obj({ label: { type: 'string', maxLength: 256 } }, []);
export const fingerprintParam = obj({ fingerprint: { type: 'string', minLength: 1, maxLength: 256 } });
