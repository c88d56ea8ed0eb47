/**
 * Effective users: each `[[users]]` entry merged with its group and the global defaults
 * (user > group > global). Whole sub-tables (quotas, time_access, ...) replace, as in the original.
 * Computed once per config load; connections read the snapshot they started with.
 */
import type { AclConfig, Config, GroupConfig, MotdConfig, QuotasConfig, RateLimitsConfig, ShellPermissions, TimeAccessConfig, UserConfig } from './schema.js';
import { shellPermissionsSchema, quotasSchema, rateLimitsSchema } from './schema.js';
import { compileSourceIps } from '../policy/source-ip.js';
import { compileTimeAccess, type CompiledTimeAccess } from '../policy/time-window.js';

export interface MergedAcl {
  default_policy: 'allow' | 'deny';
  allow: string[];
  deny: string[];
}

export interface EffectiveUser {
  readonly username: string;
  readonly passwordHash: string | undefined;
  readonly authorizedKeys: readonly string[];
  readonly group: string | undefined;
  readonly role: 'user' | 'admin';
  readonly allowShell: boolean;
  readonly allowForwarding: boolean;
  /** 0 = unlimited */
  readonly maxConnections: number;
  readonly maxBandwidthKbps: number;
  readonly maxAggregateBandwidthKbps: number;
  readonly maxNewConnectionsPerMinute: number;
  readonly totpEnabled: boolean;
  readonly totpSecret: string | undefined;
  readonly sourceIps: readonly string[];
  /** `source_ips` compiled when the config is loaded: whether a login from `ip` is allowed (empty list: always). */
  readonly sourceAllowed: (ip: string) => boolean;
  /** ms since epoch, or undefined for no expiry */
  readonly expiresAt: number | undefined;
  readonly upstreamProxy: string | undefined;
  readonly aliases: Readonly<Record<string, string>>;
  readonly acl: MergedAcl;
  readonly shellPermissions: ShellPermissions;
  readonly motd: MotdConfig | undefined;
  readonly quotas: QuotasConfig;
  readonly timeAccess: TimeAccessConfig | undefined;
  /** `timeAccess` compiled when the config is loaded; undefined when the account has no window. */
  readonly timeWindow: CompiledTimeAccess | undefined;
  /** Ordered methods that must all succeed (e.g. ["pubkey","password"]); empty = any one method. */
  readonly authMethods: readonly string[];
  readonly idleWarningSecs: number;
  readonly colors: boolean;
  readonly connectRetry: number;
  readonly connectRetryDelayMs: number;
  readonly rateLimits: RateLimitsConfig;
  readonly requireApprovedFingerprint: boolean;
}

function pick<T>(...values: (T | undefined)[]): T | undefined {
  for (const v of values) if (v !== undefined) return v;
  return undefined;
}

/** Numeric user fields treat 0 as "unset" and fall back to the group value, as the original does. */
function pickNum(...values: (number | undefined)[]): number {
  for (const v of values) if (v !== undefined && v !== 0) return v;
  return 0;
}

export function mergeAcl(global: Config['acl'], group: AclConfig | undefined, user: AclConfig): MergedAcl {
  if (!user.inherit) {
    return { default_policy: user.default_policy ?? 'allow', allow: [...user.allow], deny: [...user.deny] };
  }
  // A group with inherit = false drops the global rules for its members.
  const globalRules = !group || group.inherit ? global : { allow: [], deny: [] };
  const groupRules = group ?? { allow: [], deny: [] };
  return {
    default_policy: user.default_policy ?? group?.default_policy ?? global.default_policy,
    allow: unique([...globalRules.allow, ...groupRules.allow, ...user.allow]),
    deny: unique([...globalRules.deny, ...groupRules.deny, ...user.deny]),
  };
}

/**
 * A user who repeats a global rule (common after copying the global block) would otherwise see it
 * twice in `show acl` and the MOTD; the first occurrence keeps its place.
 */
function unique(rules: readonly string[]): string[] {
  return [...new Set(rules.map((r) => r.trim()))];
}

export function resolveUser(config: Config, user: UserConfig): EffectiveUser {
  const group: GroupConfig | undefined = user.group ? config.groups.find((g) => g.name === user.group) : undefined;
  const expires = user.expires_at ? Date.parse(user.expires_at) : undefined;
  const timeAccess = pick(user.time_access, group?.time_access);
  return Object.freeze({
    username: user.username,
    passwordHash: user.password_hash,
    authorizedKeys: Object.freeze([...user.authorized_keys]),
    group: user.group,
    role: pick(user.role, group?.role) ?? 'user',
    allowShell: pick(user.allow_shell, group?.allow_shell) ?? true,
    allowForwarding: pick(user.allow_forwarding, group?.allow_forwarding) ?? true,
    maxConnections: pickNum(user.max_connections, group?.max_connections_per_user, config.limits.max_connections_per_user),
    maxBandwidthKbps: pickNum(user.max_bandwidth_kbps, group?.max_bandwidth_kbps),
    maxAggregateBandwidthKbps: pickNum(user.max_aggregate_bandwidth_kbps, group?.max_aggregate_bandwidth_kbps),
    maxNewConnectionsPerMinute: pickNum(user.max_new_connections_per_minute, group?.max_new_connections_per_minute),
    totpEnabled: user.totp_enabled,
    totpSecret: user.totp_secret,
    sourceIps: Object.freeze([...user.source_ips]),
    sourceAllowed: compileSourceIps(user.source_ips),
    expiresAt: expires,
    upstreamProxy: user.upstream_proxy ?? config.upstream_proxy?.url,
    aliases: Object.freeze({ ...user.aliases }),
    acl: mergeAcl(config.acl, group?.acl, user.acl),
    shellPermissions: pick(user.shell_permissions, group?.shell_permissions) ?? shellPermissionsSchema.parse({}),
    motd: pick(user.motd, group?.motd),
    quotas: pick(user.quotas, group?.quotas) ?? quotasSchema.parse({}),
    timeAccess,
    timeWindow: timeAccess === undefined ? undefined : compileTimeAccess(timeAccess),
    authMethods: Object.freeze([...(pick(user.auth_methods, group?.auth_methods) ?? [])]),
    idleWarningSecs: pickNum(user.idle_warning_secs, group?.idle_warning_secs, config.limits.idle_warning_secs),
    colors: pick(user.colors, group?.colors) ?? config.shell.colors,
    connectRetry: pick(user.connect_retry, group?.connect_retry) ?? config.server.connect_retry,
    connectRetryDelayMs: pick(user.connect_retry_delay_ms, group?.connect_retry_delay_ms) ?? config.server.connect_retry_delay_ms,
    rateLimits: pick(user.rate_limits, group?.rate_limits) ?? rateLimitsSchema.parse({}),
    requireApprovedFingerprint: pick(user.require_approved_fingerprint, group?.require_approved_fingerprint) ?? config.security.require_approved_fingerprint,
  });
}

export function resolveUsers(config: Config): ReadonlyMap<string, EffectiveUser> {
  return new Map(config.users.map((u) => [u.username, resolveUser(config, u)]));
}
