/**
 * An in-memory FAKE of the running server's state behind the ManagementPort. The API tests use
 * it so the HTTP layer (routing, auth, schemas, serialization, SSE, WS) is the real thing while
 * users, bans and sessions are plain arrays the test can inspect.
 */
import type {
  BackupPayload, BanView, FingerprintStatus, FingerprintView, GroupView, ManagementPort, QuotaUsage,
  ReloadResult, RestoreResult, SessionView, StatusView, UserDetail, UserSummary,
} from '../../../src/api/port.js';

export function quotaOf(username: string, daily = 0): QuotaUsage {
  return {
    username, daily_bytes: daily, daily_connections: 1, monthly_bytes: daily, monthly_connections: 1, current_rate_bps: 0,
    hourly_bytes: daily, total_bytes: daily, daily_bytes_limit: 0, monthly_bytes_limit: 0, hourly_bytes_limit: 0,
    total_bytes_limit: 0, daily_connections_limit: 0, monthly_connections_limit: 0,
  };
}

function detailOf(username: string): UserDetail {
  return {
    username, role: 'user', group: username === 'alice' ? 'ops' : null, allow_shell: true, allow_forwarding: true, has_password: true,
    authorized_keys_fingerprints: ['SHA256:abc'], totp_enabled: username === 'alice', source_ips: [], expires_at: null,
    max_bandwidth_kbps: 0, max_aggregate_bandwidth_kbps: 0, max_new_connections_per_minute: 0, max_connections: 0,
    acl: { default_policy: 'allow', allow_rules: [], deny_rules: ['10.0.0.0/8:*'] }, shell_permissions: { show_acl: true },
    aliases: {}, idle_warning_secs: 0, colors: true, connect_retry: 0, connect_retry_delay_ms: 1000,
    current_connections: 1, total_bytes_transferred: 42,
  };
}

export class FakePort implements ManagementPort {
  usernames = ['alice', 'bob'];
  banList: BanView[] = [{ ip: '203.0.113.9', remaining_secs: 600 }];
  sessionList: SessionView[] = [
    { session_id: 's1', username: 'alice', target_host: 'example.com', target_port: 443, source_ip: '198.51.100.1', started_at: '2026-01-01T00:00:00.000Z', bytes_up: 10, bytes_down: 20, duration_secs: 5, protocol: 'ssh' },
    { session_id: 's2', username: 'bob', target_host: 'example.org', target_port: 80, source_ip: '198.51.100.2', started_at: '2026-01-01T00:00:00.000Z', bytes_up: 1, bytes_down: 2, duration_secs: 1, protocol: 'socks5' },
  ];
  maintenanceState: { enabled: boolean; message?: string } = { enabled: false };
  nextReload: ReloadResult = { ok: true, users_count: 2 };
  kicked: Array<{ username: string; message: string | undefined }> = [];
  broadcasts: Array<{ message: string; users: string[] | undefined }> = [];
  restored: BackupPayload[] = [];
  resets: string[] = [];
  fps: FingerprintView[] = [{ fingerprint: 'fp-one', status: 'pending', label: '', hassh: 'h1', client_id: 'SSH-2.0-OpenSSH_9.6', first_seen: null, last_seen: null, count: 1, ips: ['127.0.0.1'] }];

  status(): StatusView {
    return { uptime_secs: 12, active_connections: this.sessionList.length, total_users: this.usernames.length, maintenance: this.maintenanceState.enabled };
  }
  users(): UserSummary[] {
    // The extra secret fields are deliberate: the response schema must drop them.
    return this.usernames.map((username) => ({
      username, allow_shell: true, authorized_keys_count: 1, source_ips: [], expires_at: null, current_connections: 1,
      total_bytes_transferred: 42, quota_usage: quotaOf(username), password_hash: '$argon2id$v=19$secret', totp_secret: 'JBSWY3DPEHPK3PXP',
    }) as UserSummary);
  }
  user(name: string): UserDetail | undefined {
    if (!this.usernames.includes(name)) return undefined;
    return { ...detailOf(name), password_hash: '$argon2id$v=19$secret', totp_secret: 'JBSWY3DPEHPK3PXP', token: 'leak' } as UserDetail;
  }
  connections() {
    return { active_connections: 2, user_connections: [{ username: 'alice', connections: 1 }, { username: 'bob', connections: 1 }] };
  }
  sessions(): SessionView[] { return [...this.sessionList]; }
  bans(): BanView[] { return [...this.banList]; }
  unban(ip: string): boolean {
    const before = this.banList.length;
    this.banList = this.banList.filter((b) => b.ip !== ip);
    return this.banList.length < before;
  }
  quotas(): QuotaUsage[] { return this.usernames.map((u) => quotaOf(u)); }
  quota(username: string): QuotaUsage | undefined { return this.usernames.includes(username) ? quotaOf(username) : undefined; }
  resetQuota(username: string): boolean {
    if (!this.usernames.includes(username)) return false;
    this.resets.push(username);
    return true;
  }
  groups(): GroupView[] {
    return [{ name: 'ops', member_count: 1, active_connections: 1, total_daily_bytes: 0, total_monthly_bytes: 0, members: [{ username: 'alice', active_connections: 1, daily_bytes: 0, monthly_bytes: 0 }] }];
  }
  maintenance() { return { ...this.maintenanceState }; }
  setMaintenance(enabled: boolean, _source: string, message?: string): void {
    this.maintenanceState = message === undefined ? { enabled } : { enabled, message };
  }
  async reload(): Promise<ReloadResult> { return this.nextReload; }
  kick(username: string, message?: string) {
    if (!this.usernames.includes(username)) return undefined;
    this.kicked.push({ username, message });
    return { sessions_cancelled: this.sessionList.filter((s) => s.username === username).length };
  }
  broadcast(message: string, users?: string[]) {
    this.broadcasts.push({ message, users });
    return { delivered_to: users ? users.length : this.usernames.length };
  }
  backup(): BackupPayload {
    return { version: 1, timestamp: '2026-01-01T00:00:00.000Z', bans: this.bans(), quotas: { alice: { daily_bytes: 5, daily_connections: 1, monthly_bytes: 5, monthly_connections: 1, total_bytes: 5 } } };
  }
  async restore(payload: BackupPayload): Promise<RestoreResult> {
    this.restored.push(payload);
    return { restored_bans: payload.bans.length, restored_quotas: Object.keys(payload.quotas).length };
  }
  fingerprints(): FingerprintView[] { return this.fps.map((f) => ({ ...f })); }
  setFingerprintStatus(fingerprint: string, status: FingerprintStatus, label?: string): boolean {
    const f = this.fps.find((x) => x.fingerprint === fingerprint);
    if (!f) return false;
    f.status = status;
    if (label !== undefined) f.label = label;
    return true;
  }
  labelFingerprint(fingerprint: string, label: string): boolean {
    const f = this.fps.find((x) => x.fingerprint === fingerprint);
    if (!f) return false;
    f.label = label;
    return true;
  }
  config() { return { ssh_listen: '0.0.0.0:2222' }; }
}
