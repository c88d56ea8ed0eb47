/**
 * The ManagementPort (src/api/port.ts) over the running server: the API, SSE, WebSocket and the
 * metrics endpoint read and act on the live state only through this object.
 */
import type { Clock } from '../clock.js';
import type { ManagementPort, QuotaUsage, ReloadResult, SessionView, GroupView, BackupPayload, FingerprintStatus } from '../api/port.js';
import { fingerprintViewOf, userDetailOf, userSummaryOf, type UserLiveStats } from '../api/port-views.js';
import type { EffectiveUser } from '../config/users.js';
import type { SessionRegistry } from '../pipeline/sessions.js';
import type { World } from '../pipeline/world.js';
import type { FingerprintStore } from '../store/fingerprints.js';
import type { Stages } from './stages.js';
import type { ClusterNode } from '../cluster/node.js';
import { VERSION } from '../version.js';

export interface ManagementDeps {
  world: () => World;
  sessions: SessionRegistry;
  stages: Stages;
  clock: Clock;
  startedAt: number;
  reload: () => Promise<ReloadResult>;
  fingerprints?: FingerprintStore | undefined;
  cluster?: ClusterNode | undefined;
  /** The HTTP proxy door as bound (the real port when configured as :0), for GET /proxy.pac. */
  httpProxy?: { listen: string; tls: boolean } | undefined;
}

export function createManagementPort(d: ManagementDeps): ManagementPort {
  // Actions relayed from another node's API apply here exactly as if made through this one, without relaying again.
  d.cluster?.onOperation((op) => {
    if (op.k === 'kick' && op.u !== undefined) kickHere(op.u, op.m);
    else if (op.k === 'broadcast' && op.m !== undefined) d.sessions.broadcast(op.m, op.us);
    else if (op.k === 'maintenance' && op.on !== undefined) maintenanceHere(op.on, op.src ?? 'cluster', op.m);
  });
  const kickHere = (username: string, message?: string): number => {
    if (message) d.sessions.broadcast(message, [username]);
    return d.sessions.kick(username, message ? `kicked: ${message}` : 'kicked by administrator');
  };
  const maintenanceHere = (enabled: boolean, source: string, message?: string): void => {
    const was = d.stages.admission.maintenance().enabled;
    d.stages.admission.setMaintenance(enabled, message, source);
    // Open shells learn of it as they would of a scheduled window (maintenance-watch.ts).
    if (enabled && !was) d.sessions.broadcast(`maintenance: ${d.stages.admission.maintenance().message}`);
  };
  const quotaOf = (u: EffectiveUser): QuotaUsage => {
    const { daily_resets_at: _d, monthly_resets_at: _m, ...rest } = d.stages.state.usage(u);
    return rest;
  };
  /** A name with counters but no configured user: no limits apply to it (all 0). */
  const countersOf = (username: string): QuotaUsage => {
    const { daily_resets_at: _d, monthly_resets_at: _m, ...rest } = d.stages.state.usage(username);
    return rest;
  };
  const live = (u: EffectiveUser, details = true): UserLiveStats => {
    const usage = quotaOf(u);
    return {
      current_connections: d.sessions.byUser(u.username).length,
      total_bytes_transferred: usage.total_bytes,
      ...(details ? { quota_usage: usage } : {}),
    };
  };
  const activeConnections = (): number => d.sessions.connections().filter((c) => c.username !== undefined).length;
  // Other nodes' sessions as their last announcement said: read from memory, never from Redis here.
  const remoteConnections = () => d.cluster?.remoteConnections() ?? [];
  // With [cluster], every entry names its node, local ones included; without it there is no field.
  const localNode = d.cluster ? { node: d.cluster.node } : {};

  return {
    status() {
      const m = d.stages.admission.maintenance();
      return {
        uptime_secs: Math.floor((d.clock.now() - d.startedAt) / 1000),
        active_connections: activeConnections() + remoteConnections().reduce((n, r) => n + r.connections, 0),
        total_users: d.world().users.size,
        maintenance: m.enabled,
        ...(m.enabled ? { maintenance_message: m.message } : {}),
        ...(d.cluster ? { cluster: clusterView(d.cluster) } : {}),
      };
    },
    cluster() {
      const c = d.cluster;
      if (!c) return { enabled: false, node: null, state: null, nodes: [] };
      const s = c.status();
      const iso = (ms: number): string => new Date(ms).toISOString();
      const tunnels = d.stages.limits.active();
      const self = { node: c.node, self: true, version: VERSION, started_at: iso(d.startedAt), last_heartbeat: iso(d.clock.now()), heartbeat_age_ms: 0, sessions: d.sessions.connections().length, tunnels, redis: s.state };
      const others = c.peers().map((p) => ({
        node: p.node, self: false, version: p.version, started_at: iso(p.startedAt), last_heartbeat: iso(p.lastHeartbeat), heartbeat_age_ms: p.heardMsAgo,
        sessions: p.sessions, tunnels: p.tunnels, redis: 'connected',
      }));
      return { enabled: true, node: c.node, state: s.state, nodes: [self, ...others] };
    },
    users: () => [...d.world().users.values()].map((u) => userSummaryOf(u, live(u))),
    user(name) {
      const u = d.world().users.get(name);
      return u ? userDetailOf(u, live(u)) : undefined;
    },
    connections() {
      const per = new Map<string, number>();
      for (const c of d.sessions.connections()) if (c.username) per.set(c.username, (per.get(c.username) ?? 0) + 1);
      const remote = remoteConnections();
      return {
        active_connections: activeConnections() + remote.reduce((n, r) => n + r.connections, 0),
        user_connections: [...[...per].map(([username, connections]) => ({ username, connections, ...localNode })), ...remote.map(({ username, connections, node }) => ({ username, connections, node }))],
      };
    },
    sessions() {
      const now = d.clock.now();
      const out: SessionView[] = [];
      for (const c of d.sessions.connections()) {
        for (const t of c.tunnels.values()) {
          out.push({
            session_id: t.sessionId, username: t.username, target_host: t.targetHost, target_port: t.targetPort,
            source_ip: c.sourceIp, started_at: new Date(t.startedAt).toISOString(), bytes_up: t.bytesUp, bytes_down: t.bytesDown,
            duration_secs: Math.floor((now - t.startedAt) / 1000), protocol: c.door, ...localNode,
          });
        }
      }
      for (const r of d.cluster?.remoteSessions() ?? []) {
        out.push({
          session_id: r.i, username: r.u, target_host: r.h, target_port: r.p, source_ip: r.ip, started_at: new Date(r.st).toISOString(),
          bytes_up: r.bu, bytes_down: r.bd, duration_secs: Math.max(0, Math.floor((now - r.st) / 1000)), protocol: r.pr, node: r.node,
        });
      }
      return out;
    },
    bans: () => d.stages.state.bans.list().map(({ ip, remaining_secs }) => ({ ip, remaining_secs })),
    unban: (ip, by) => d.stages.state.bans.unban(ip, by),
    // Configured users (with their limits, zeros when idle), then names that only have counters:
    // restored from a backup, or removed from the config since. The original listed only the latter kind.
    quotas() {
      const users = d.world().users;
      const counted = d.stages.state.quotas.usernames().filter((n) => !users.has(n)).sort();
      return [...[...users.values()].map(quotaOf), ...counted.map(countersOf)];
    },
    quota(username) {
      const u = d.world().users.get(username);
      if (u) return quotaOf(u);
      return d.stages.state.quotas.has(username) ? countersOf(username) : undefined;
    },
    resetQuota(username) {
      if (!d.world().users.has(username) && !d.stages.state.quotas.has(username)) return false;
      d.stages.state.resetQuota(username);
      return true;
    },
    groups() {
      const world = d.world();
      return world.config.groups.map((g): GroupView => {
        const members = [...world.users.values()].filter((u) => u.group === g.name).map((u) => {
          const q = quotaOf(u);
          return { username: u.username, active_connections: d.sessions.byUser(u.username).length, daily_bytes: q.daily_bytes, monthly_bytes: q.monthly_bytes };
        });
        return {
          name: g.name, member_count: members.length,
          active_connections: members.reduce((n, m) => n + m.active_connections, 0),
          total_daily_bytes: members.reduce((n, m) => n + m.daily_bytes, 0),
          total_monthly_bytes: members.reduce((n, m) => n + m.monthly_bytes, 0),
          members,
        };
      });
    },
    maintenance() {
      const m = d.stages.admission.maintenance();
      return m.enabled ? { enabled: true, message: m.message } : { enabled: false };
    },
    setMaintenance(enabled, source, message) {
      maintenanceHere(enabled, source, message);
      d.cluster?.relay({ t: 'op', k: 'maintenance', on: enabled, src: source.slice(0, 64), ...(message !== undefined ? { m: message.slice(0, 4096) } : {}) });
    },
    reload: () => d.reload(),
    kick(username, message) {
      if (!d.world().users.has(username)) return undefined;
      d.cluster?.relay({ t: 'op', k: 'kick', u: username, ...(message ? { m: message.slice(0, 4096) } : {}) });
      return { sessions_cancelled: kickHere(username, message) };
    },
    broadcast(message, users) {
      d.cluster?.relay({ t: 'op', k: 'broadcast', m: message.slice(0, 4096), ...(users ? { us: users.slice(0, 10_000) } : {}) });
      return { delivered_to: d.sessions.broadcast(message, users) };
    },
    backup(): BackupPayload {
      return {
        // The product version, as the original wrote it (restore takes this or our old integer 1).
        version: VERSION,
        timestamp: new Date(d.clock.now()).toISOString(),
        bans: d.stages.state.bans.list().map(({ ip, remaining_secs }) => ({ ip, remaining_secs })),
        quotas: d.stages.state.quotas.backup(),
      };
    },
    async restore(payload) {
      let restored_bans = 0;
      for (const b of payload.bans) if (d.stages.state.bans.ban(b.ip, b.remaining_secs, 'restored from backup').ok) restored_bans++;
      const restored_quotas = d.stages.state.quotas.restore(payload.quotas);
      d.stages.state.flush();
      return { restored_bans, restored_quotas };
    },
    fingerprints: () => d.fingerprints?.list().map(fingerprintViewOf) ?? [],
    setFingerprintStatus(fp: string, status: FingerprintStatus, label?: string) {
      const store = d.fingerprints;
      if (!store || !store.get(fp)) return false;
      const current = store.get(fp);
      store.setStatus(fp, status, 'api', d.clock.now(), label ?? current?.label ?? '');
      return true;
    },
    labelFingerprint(fp, label) {
      const store = d.fingerprints;
      if (!store || !store.get(fp)) return false;
      store.setLabel(fp, label, 'api', d.clock.now());
      return true;
    },
    config() {
      const s = d.world().config.server;
      return {
        ssh_listen: s.ssh_listen,
        ...(s.socks5_listen ? { socks5_listen: s.socks5_listen } : {}),
        ...(d.httpProxy ? { http_proxy_listen: d.httpProxy.listen, http_proxy_tls: d.httpProxy.tls } : {}),
      };
    },
  };
}

function clusterView(c: ClusterNode): { node: string; state: 'connecting' | 'connected' | 'degraded'; redis: string; reason?: string } {
  const s = c.status();
  return { node: s.node, state: s.state, redis: s.redis, ...(s.reason !== undefined ? { reason: s.reason } : {}) };
}
