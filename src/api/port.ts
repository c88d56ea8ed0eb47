/**
 * The management port: everything the REST API, SSE and WebSocket need from the running server,
 * and nothing more. The server owns users, sessions, bans, quotas and reload; the API only talks
 * to it through this interface, so the HTTP layer is tested against an in-memory fake and the
 * server can change its internals without touching a route.
 *
 * Shapes are the wire shapes of the original sks5 API (snake_case), so the implementation maps
 * once and the routes serialize as-is. Response schemas list every field, and the serializer
 * drops anything else: a password hash or TOTP secret slipped into one of these objects by
 * mistake never reaches a client.
 */

import type { QuotaUsage as LedgerQuotaUsage } from '../policy/quota.js';
import type { Door } from '../observe/events.js';

export interface StatusView {
  uptime_secs: number;
  active_connections: number;
  total_users: number;
  maintenance: boolean;
  maintenance_message?: string;
  /** Present when `[cluster]` is configured: this node and whether it reaches Redis. */
  cluster?: ClusterHealthView;
}

/**
 * One node of the cluster as GET /api/cluster shows it (this node has `self: true`).
 * `heartbeat_age_ms`: since this node last heard it (0 for itself); `redis`: this node's link state
 * for itself, `connected` for the others (a node is heard only through Redis).
 */
export interface ClusterNodeView { node: string; self: boolean; version: string; started_at: string; last_heartbeat: string; heartbeat_age_ms: number; sessions: number; tunnels: number; redis: string }
export interface ClusterView { enabled: boolean; node: string | null; state: string | null; nodes: ClusterNodeView[] }

/** `degraded`: Redis is unreachable and this node serves on its own state until it is back. */
export interface ClusterHealthView { node: string; state: 'connecting' | 'connected' | 'degraded'; redis: string; reason?: string }

/** One user's quota usage in the original's wire shape (the ledger's, without the reset times). */
export type QuotaUsage = Omit<LedgerQuotaUsage, 'daily_resets_at' | 'monthly_resets_at'>;

/** One row of GET /api/users; the live fields are shown only with `?details=true`. */
export interface UserSummary {
  username: string;
  allow_shell: boolean;
  authorized_keys_count: number;
  source_ips: string[];
  expires_at: string | null;
  current_connections: number;
  total_bytes_transferred: number;
  quota_usage?: QuotaUsage;
}

export interface AclView {
  default_policy: 'allow' | 'deny';
  allow_rules: string[];
  deny_rules: string[];
}

export interface UserDetail {
  username: string;
  role: string;
  group: string | null;
  allow_shell: boolean;
  allow_forwarding: boolean;
  has_password: boolean;
  /** SHA256:... fingerprints, never the keys' comments or the keys themselves. */
  authorized_keys_fingerprints: string[];
  totp_enabled: boolean;
  source_ips: string[];
  expires_at: string | null;
  max_bandwidth_kbps: number;
  max_aggregate_bandwidth_kbps: number;
  max_new_connections_per_minute: number;
  max_connections: number;
  acl: AclView;
  shell_permissions: Record<string, boolean>;
  quotas?: Record<string, number>;
  time_access?: { access_hours?: string; access_days: string[]; timezone?: string };
  auth_methods?: string[];
  aliases: Record<string, string>;
  idle_warning_secs: number;
  colors: boolean;
  connect_retry: number;
  connect_retry_delay_ms: number;
  current_connections: number;
  total_bytes_transferred: number;
  quota_usage?: QuotaUsage;
}

export interface ConnectionsView {
  active_connections: number;
  /** With [cluster], one entry per user and node, each with its `node`. */
  user_connections: Array<{ username: string; connections: number; node?: string }>;
}

export interface BanView {
  ip: string;
  remaining_secs: number;
}

export interface GroupMemberView {
  username: string;
  active_connections: number;
  daily_bytes: number;
  monthly_bytes: number;
}

export interface GroupView {
  name: string;
  member_count: number;
  active_connections: number;
  total_daily_bytes: number;
  total_monthly_bytes: number;
  members: GroupMemberView[];
}

export interface SessionView {
  /** "s<N>" */
  session_id: string;
  username: string;
  target_host: string;
  target_port: number;
  source_ip: string;
  /** RFC 3339 */
  started_at: string;
  bytes_up: number;
  bytes_down: number;
  duration_secs: number;
  protocol: Door;
  /** The node that carries it; set only with [cluster] (session ids are unique per node only). */
  node?: string;
}

export interface QuotaSnapshot {
  daily_bytes: number;
  daily_connections: number;
  monthly_bytes: number;
  monthly_connections: number;
  total_bytes: number;
}

/** The body of GET /api/backup's `data`, and what POST /api/restore accepts (bare or enveloped). */
export interface BackupPayload {
  /** The product version that wrote it ("0.1.0"); backups written before 0.1.0 carry the integer 1. */
  version: string | number;
  timestamp: string;
  bans: BanView[];
  quotas: Record<string, QuotaSnapshot>;
}

export interface RestoreResult {
  restored_bans: number;
  restored_quotas: number;
}

export type FingerprintStatus = 'pending' | 'approved' | 'blocked';

export interface FingerprintView {
  fingerprint: string;
  status: string;
  label: string;
  hassh: string;
  client_id: string;
  first_seen: string | null;
  last_seen: string | null;
  count: number;
  ips: string[];
}

export type ReloadResult = { ok: true; users_count: number } | { ok: false; errors: string[] };

/** The part of the config the API reads (ssh-config snippets); never secrets. */
export interface ManagementConfigView {
  ssh_listen: string;
  socks5_listen?: string;
  /** The HTTP proxy door's bound address, when it runs (GET /proxy.pac names it). */
  http_proxy_listen?: string;
  http_proxy_tls?: boolean;
}

export interface ManagementPort {
  status(): StatusView;
  /** The cluster's nodes; absent (or enabled: false) without `[cluster]`. */
  cluster?(): ClusterView;
  users(): UserSummary[];
  user(name: string): UserDetail | undefined;
  connections(): ConnectionsView;
  sessions(): SessionView[];
  bans(): BanView[];
  /** false when the IP was not banned. */
  unban(ip: string, by: string): boolean;
  /** Every configured user's quota usage, then every other name that has counters. */
  quotas(): QuotaUsage[];
  /** undefined for a name that is neither configured nor has counters (e.g. restored ones). */
  quota(username: string): QuotaUsage | undefined;
  /** false for a name that is neither configured nor has counters. */
  resetQuota(username: string): boolean;
  groups(): GroupView[];
  maintenance(): { enabled: boolean; message?: string };
  /** `source` says who asked ("api", "ws", "signal", "schedule"), for the maintenance.toggled event. */
  setMaintenance(enabled: boolean, source: string, message?: string): void;
  /** Re-reads and validates the config file; an invalid file changes nothing. */
  reload(): Promise<ReloadResult>;
  /** undefined for a user who is not configured; otherwise the number of connections closed. */
  kick(username: string, message?: string): { sessions_cancelled: number } | undefined;
  /** Shows the message in live shells; `users` limits it to those users. */
  broadcast(message: string, users?: string[]): { delivered_to: number };
  backup(): BackupPayload;
  /** The payload is validated and ban durations capped by the API before this is called. */
  restore(payload: BackupPayload): Promise<RestoreResult>;
  fingerprints(): FingerprintView[];
  /** false when the fingerprint is unknown; a label of undefined keeps the current one. */
  setFingerprintStatus(fingerprint: string, status: FingerprintStatus, label?: string): boolean;
  labelFingerprint(fingerprint: string, label: string): boolean;
  config(): ManagementConfigView;
}
