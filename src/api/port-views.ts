/**
 * Builders from the server's own objects to the port's wire shapes, so whoever implements the
 * ManagementPort maps each field once, here, and secrets cannot slip in: the builders read only
 * the fields they list (never passwordHash, totpSecret, key bodies or the upstream proxy URL).
 */
import { createHash } from 'node:crypto';
import type { EffectiveUser } from '../config/users.js';
import type { FingerprintEntry } from '../store/fingerprint-schema.js';
import type { FingerprintView, QuotaUsage, UserDetail, UserSummary } from './port.js';

export interface UserLiveStats {
  current_connections: number;
  total_bytes_transferred: number;
  quota_usage?: QuotaUsage;
}

/** OpenSSH's `SHA256:<base64, no padding>` of the key blob, or a marker for an unparsable line. */
export function keyFingerprint(authorizedKey: string): string {
  const blob = authorizedKey.trim().split(/\s+/).find((part) => /^AAAA[A-Za-z0-9+/]+={0,2}$/.test(part));
  if (!blob) return 'invalid-key';
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

function isoOrNull(ms: number | null | undefined): string | null {
  return ms === undefined || ms === null ? null : new Date(ms).toISOString();
}

export function userSummaryOf(u: EffectiveUser, live: UserLiveStats): UserSummary {
  return {
    username: u.username,
    allow_shell: u.allowShell,
    authorized_keys_count: u.authorizedKeys.length,
    source_ips: [...u.sourceIps],
    expires_at: isoOrNull(u.expiresAt),
    current_connections: live.current_connections,
    total_bytes_transferred: live.total_bytes_transferred,
    ...(live.quota_usage ? { quota_usage: live.quota_usage } : {}),
  };
}

export function userDetailOf(u: EffectiveUser, live: UserLiveStats): UserDetail {
  const ta = u.timeAccess;
  return {
    username: u.username,
    role: u.role,
    group: u.group ?? null,
    allow_shell: u.allowShell,
    allow_forwarding: u.allowForwarding,
    has_password: u.passwordHash !== undefined,
    authorized_keys_fingerprints: u.authorizedKeys.map(keyFingerprint),
    totp_enabled: u.totpEnabled,
    source_ips: [...u.sourceIps],
    expires_at: isoOrNull(u.expiresAt),
    max_bandwidth_kbps: u.maxBandwidthKbps,
    max_aggregate_bandwidth_kbps: u.maxAggregateBandwidthKbps,
    max_new_connections_per_minute: u.maxNewConnectionsPerMinute,
    max_connections: u.maxConnections,
    acl: { default_policy: u.acl.default_policy, allow_rules: [...u.acl.allow], deny_rules: [...u.acl.deny] },
    shell_permissions: { ...u.shellPermissions },
    quotas: { ...u.quotas },
    ...(ta ? { time_access: { access_days: [...ta.access_days], ...(ta.access_hours ? { access_hours: ta.access_hours } : {}), ...(ta.timezone ? { timezone: ta.timezone } : {}) } } : {}),
    ...(u.authMethods.length ? { auth_methods: [...u.authMethods] } : {}),
    aliases: { ...u.aliases },
    idle_warning_secs: u.idleWarningSecs,
    colors: u.colors,
    connect_retry: u.connectRetry,
    connect_retry_delay_ms: u.connectRetryDelayMs,
    current_connections: live.current_connections,
    total_bytes_transferred: live.total_bytes_transferred,
    ...(live.quota_usage ? { quota_usage: live.quota_usage } : {}),
  };
}

export function fingerprintViewOf(e: FingerprintEntry): FingerprintView {
  return {
    fingerprint: e.fingerprint,
    status: e.status,
    label: e.label,
    hassh: e.hassh,
    client_id: e.clientId,
    first_seen: isoOrNull(e.firstSeen),
    last_seen: isoOrNull(e.lastSeen),
    count: e.count,
    ips: [...e.ips],
  };
}
