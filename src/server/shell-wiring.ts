/**
 * The shell emulator plugged into the SSH door: its ShellPort answers from the live server (the
 * user's compiled ACL, the DNS cache, the session registry, the quota ledger, the durable store).
 */
import type { Clock } from '../clock.js';
import type { SessionRegistry } from '../pipeline/sessions.js';
import { authorizeTunnel, tunnelContext } from '../pipeline/tunnel-stages.js';
import type { AuthedSession } from '../pipeline/types.js';
import type { World } from '../pipeline/world.js';
import type { DnsCache } from '../relay/dns-cache.js';
import { createServerShellPort } from '../shell/server-port.js';
import { createShellBackend } from '../shell/backend.js';
import { loadMotdFile, shellSettingsFromConfig } from '../shell/settings.js';
import { shellStoreFromUserData } from '../shell/userdata-store.js';
import type { ShellBackend } from '../ssh/session-channel.js';
import { VERSION } from '../version.js';
import type { Stages } from './stages.js';

export function createShell(d: { world: () => World; sessions: SessionRegistry; dns: DnsCache; stages: Stages; clock: Clock; startedAt: number; warn: (m: string) => void }): ShellBackend {
  const cfg = d.world().config;
  let motdFile: string | undefined;
  if (cfg.server.motd_path) {
    try { motdFile = loadMotdFile(cfg.server.motd_path); } catch (err) { d.warn(`motd_path: ${(err as Error).message}`); }
  }
  const authorize = authorizeTunnel(d.clock);
  const port = createServerShellPort({
    acl: (u) => d.world().acls.get(u),
    ipGuard: () => d.world().ssrfGuard,
    connectTimeoutMs: () => Math.min(d.world().config.limits.connection_timeout, 30) * 1000,
    dns: d.dns,
    // The authorize stage a forward runs (the live account, allow_forwarding, expiry, source_ips,
    // time window), reported nowhere: `test` and `ping` ask what a forward would meet, they open nothing.
    accountRefusal: (info) => {
      const session: AuthedSession = { client: { ip: info.sourceIp, port: 0, door: 'ssh', connId: info.connId, startedAt: info.connectedAt }, user: info.user, method: info.authMethod };
      const r = authorize(tunnelContext(session, { host: '', port: 0 }, d.world()));
      return r.allow ? undefined : r.client;
    },
    tunnels: (u) => d.sessions.byUser(u).flatMap((c) => [...c.tunnels.values()].map((t) => ({
      targetHost: t.targetHost, targetPort: t.targetPort, startedAt: t.startedAt, bytesUp: t.bytesUp, bytesDown: t.bytesDown, door: c.door,
    }))),
    usage: (u) => d.stages.state.usage(u),
    store: shellStoreFromUserData(d.stages.state.userdata),
    clock: d.clock,
  });
  return createShellBackend({
    server: { version: VERSION, startedAt: d.startedAt },
    port,
    settings: () => shellSettingsFromConfig(d.world().config, motdFile),
    clock: d.clock,
    // In a cluster the user's data is first read from the cluster (one bounded round trip), so
    // history, bookmarks and the last login are the same on every node.
    previousLogin: async (s) => {
      const data = d.stages.state.userdata;
      await data.refresh(s.user.username);
      return data.recordLogin(s.user.username, s.client.ip)?.at ?? null;
    },
  });
}
