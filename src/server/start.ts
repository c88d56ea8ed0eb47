/**
 * Start-up: build the world from a validated config, wire the stages, open the listeners.
 * The real clock and the process-wide logger are wired here and in cli/, nowhere else.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { EventBus } from '../observe/events.js';
import { Pipeline } from '../pipeline/engine.js';
import { createDoorPort, createSshDoorPort, createUdpPort } from '../pipeline/door.js';
import type { ClientInfo, DoorListener, DoorPort } from '../pipeline/types.js';
import type { EffectiveUser } from '../config/users.js';
import { SessionRegistry } from '../pipeline/sessions.js';
import { buildWorld, type World } from '../pipeline/world.js';
import { DnsCache } from '../relay/dns-cache.js';
import { createSocksAuthenticator, type TotpVerifier } from '../socks/auth.js';
import { createSocksListener, type SocksListener } from '../socks/listener.js';
import { createUdpAssociations } from '../socks/udp.js';
import { createHttpProxyListener, type HttpProxyListener } from '../http/listener.js';
import { joinHostPort, parseListenAddress } from '../host-port.js';
import { createSshServer, sshSettingsError, type SshServer } from '../ssh/server.js';
import { loadOrCreateHostKey } from '../ssh/host-keys.js';
import { createStages, type Stages } from './stages.js';
import { createManagementPort } from './management.js';
import { startObservability } from './observability.js';
import type { ManagementPort, ReloadResult } from '../api/port.js';
import { ConfigError } from '../config/config-error.js';
import { saveConfigHistory } from '../api/config-history.js';
import { FingerprintStore } from '../store/fingerprints.js';
import { join } from 'node:path';
import { VerifiedPasswordCache } from '../auth/verified-cache.js';
import { watchMaintenanceWindows } from './maintenance-watch.js';
import { createShell } from './shell-wiring.js';
import { defaultNodeName, startCluster, type ClusterNode } from '../cluster/node.js';
import { openWorkerStoreLink } from '../cluster/worker-store.js';
import type { WorkerRole } from './worker-role.js';
import type { DoorName } from './primary-doors.js';
import { summarizeSessions } from '../cluster/session-summary.js';

export interface StartOptions {
  config: Config;
  configPath?: string | undefined;
  log: Logger;
  clock?: Clock;
  /** Uniform draws in [0, 1) for the pre-auth budget's random early drop; Math.random by default. */
  random?: () => number;
  /** Re-read and validate the config (same flags as at start); throws ConfigError on problems. */
  reloadConfig?: (() => Config) | undefined;
  /** Set in a process started by `[server] workers` (src/server/primary.ts). */
  worker?: WorkerRole | undefined;
}

export interface RunningServer {
  readonly addresses: { ssh?: string; socks5?: string; http?: string; api?: string; metrics?: string };
  readonly pipeline: Pipeline;
  readonly events: EventBus;
  readonly sessions: SessionRegistry;
  readonly management: ManagementPort;
  /** Re-read the config file, validate, then swap (SIGHUP and POST /api/reload). */
  reload(): Promise<ReloadResult>;
  /** Load (throws on problems), validate and swap, or change nothing (a worker, told by the primary). */
  applyConfig(load: () => Config): Promise<ReloadResult>;
  /** Stop accepting, drain tunnels up to `shutdown_timeout`, then close everything. */
  shutdown(reason: string): Promise<void>;
}

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log;
  const events = new EventBus(() => clock.now());
  const worker = opts.worker;
  const sessions = new SessionRegistry(worker);
  let world: World = buildWorld(opts.config, clock.now());
  const shutdownCtl = new AbortController();
  const cfg0 = opts.config;
  const dns = new DnsCache({ ttl: cfg0.server.dns_cache_ttl, maxEntries: cfg0.server.dns_cache_max_entries, clock });
  const stages: Stages = await createStages({ config: () => world.config, maintenance: () => world.maintenance, clock, random: opts.random ?? Math.random, events, log, lockHeldBy: worker?.primaryPid });
  // The gate's fingerprint store (sshgate format), shared with the API's /api/fingerprints.
  let fingerprints: FingerprintStore | undefined;
  try {
    fingerprints = FingerprintStore.open(cfg0.security.fingerprint_db ?? join(stages.state.dataDir, 'fingerprints.db'));
  } catch (err) {
    log.warn(`fingerprint store unavailable: ${(err as Error).message}`);
  }
  // Before any listener: a node that reaches Redis starts with the cluster's bans and fingerprint decisions, not its own alone.
  // Workers are nodes too: on Redis when it is configured, else on the primary's store.
  const clusterDeps = { config: () => world.config, clock, bans: stages.state.bans, reputation: stages.state.reputation, quotas: stages.state.quotas, limits: stages.limits, admission: stages.admission, sessions: () => sessions.connections().length, sharedSessions: () => summarizeSessions(sessions.connections()), events, userdata: stages.state.userdata, fingerprints, log };
  const cluster: ClusterNode | undefined = worker
    ? await startCluster({
      ...clusterDeps,
      // One base for the machine (with ssh_listen port 0 the default names the primary's pid).
      nodeName: `${defaultNodeName(cfg0, undefined, process.ppid)}/w${worker.index}`,
      machine: { base: defaultNodeName(cfg0, undefined, process.ppid), workers: worker.count },
      ...(cfg0.cluster.redis_url ? {} : { openStore: (o) => openWorkerStoreLink(worker.ipc, o) }),
    })
    : cfg0.cluster.redis_url ? await startCluster(clusterDeps) : undefined;

  const pipeline = new Pipeline({
    world: () => world, events, clock, log, sessions, dns,
    admission: stages.admission, limits: stages.limits, shutdown: shutdownCtl.signal,
    fingerprintStatus: (fp: string) => fingerprints?.status(fp) ?? null,
  });
  const totp: TotpVerifier = stages.verifyTotp;
  const verified = new VerifiedPasswordCache({ ttlSecs: () => world.config.security.auth_cache_ttl, clock });
  // The live world's users and TOTP policy; authorize at login is the pipeline's.
  const passwordDeps = {
    user: (name: string) => world.users.get(name),
    totpRequiredFor: () => world.config.security.totp_required_for,
    authorize: (c: ClientInfo, u: EffectiveUser, method: string) => pipeline.authorize(c, u, method),
    recordAuthFailure: (c: ClientInfo, username: string, method: string, reason: string) => pipeline.recordAuthFailure(c, username, method, reason),
  };
  const doorPort = (policyDoor: 'socks5' | 'http'): DoorPort => createDoorPort({ pipeline, sessions, events, clock, authenticate: createSocksAuthenticator(passwordDeps, totp, verified, policyDoor) });
  const udpPort = createUdpPort({ pipeline, world: () => world, stages: { clock, limits: stages.limits, dns }, events, log, admission: stages.admission });
  const udp = createUdpAssociations({ port: udpPort, clock, log, idleTimeoutSecs: () => world.config.limits.udp_relay_timeout });
  const addresses: { ssh?: string; socks5?: string; http?: string; api?: string; metrics?: string } = {};
  const listeners: (SocksListener | SshServer | HttpProxyListener)[] = [];
  // A worker whose primary holds the doors (least_connections) is handed their connections instead of listening.
  const bind = async (door: DoorName, l: DoorListener, addr: string): Promise<{ address: string; port: number }> => {
    const given = worker?.doors?.[door];
    if (worker && given) {
      worker.attach(door, l);
      return given;
    }
    const { host, port } = parseListenAddress(addr);
    return l.listen(host, port);
  };

  // A listener that fails to bind (port taken) must not leave the others, or the state lock, behind.
  try {
    // SSH is the main door; an empty ssh_listen is not allowed by the schema, so it always runs.
    {
      const hostKey = loadOrCreateHostKey(cfg0.server.host_key_path);
      if (hostKey.warning) log.warn(hostKey.warning);
      if (hostKey.generated) log.info({ fingerprint: hostKey.fingerprint, path: cfg0.server.host_key_path }, 'generated a new Ed25519 host key');
      const shell = createShell({ world: () => world, sessions, dns, stages, clock, startedAt: clock.now(), warn: (m) => log.warn(m) });
      const sshPort = createSshDoorPort({ pipeline, sessions, events, clock, user: (name) => world.users.get(name) });
      const ssh = createSshServer({ port: sshPort, config: () => world.config, log, clock, hostKey: hostKey.privateKey, totp: stages.totp, fingerprints, shell });
      const a = await bind('ssh', ssh, cfg0.server.ssh_listen);
      addresses.ssh = joinHostPort(a.address, a.port);
      listeners.push(ssh);
      log.info({ listen: addresses.ssh, kind: 'ssh' }, `SSH listening on ${addresses.ssh}`);
    }

    if (cfg0.server.socks5_listen) {
      const tls = cfg0.server.socks5_tls_cert && cfg0.server.socks5_tls_key
        ? { cert: readFileSync(cfg0.server.socks5_tls_cert), key: readFileSync(cfg0.server.socks5_tls_key) }
        : undefined;
      const l = createSocksListener({ port: doorPort('socks5'), udp, tls, log, handshakeTimeoutSecs: () => world.config.limits.socks5_handshake_timeout });
      const a = await bind('socks5', l, cfg0.server.socks5_listen);
      addresses.socks5 = joinHostPort(a.address, a.port);
      listeners.push(l);
      log.info({ listen: addresses.socks5, kind: 'socks5', tls: tls !== undefined }, `SOCKS5${tls ? ' (TLS)' : ''} listening on ${addresses.socks5}`);
    }

    if (cfg0.server.http_proxy_listen) {
      const tls = cfg0.server.http_proxy_tls_cert && cfg0.server.http_proxy_tls_key
        ? { cert: readFileSync(cfg0.server.http_proxy_tls_cert), key: readFileSync(cfg0.server.http_proxy_tls_key) }
        : undefined;
      const l = createHttpProxyListener({ port: doorPort('http'), log, headerTimeoutSecs: world.config.limits.http_header_timeout, tls });
      const a = await bind('http', l, cfg0.server.http_proxy_listen);
      addresses.http = joinHostPort(a.address, a.port);
      listeners.push(l);
      log.info({ listen: addresses.http, kind: 'http', tls: tls !== undefined }, `HTTP proxy${tls ? ' (TLS)' : ''} listening on ${addresses.http}`);
    }

  } catch (err) {
    await Promise.all(listeners.map((l) => l.stopAccepting()));
    await cluster?.close();
    await stages.close();
    throw err;
  }

  let configText = opts.configPath ? safeRead(opts.configPath) : undefined;
  const applyConfig = async (load: () => Config): Promise<ReloadResult> => {
    let next: World;
    try {
      next = buildWorld(load(), clock.now());
      // Identification, banner, algorithms and keepalives apply to new SSH connections after a
      // reload: settings ssh2 would refuse are refused here, before anything changes.
      const sshError = sshSettingsError(next.config.server);
      if (sshError) throw new Error(`server: ${sshError}`);
    } catch (err) {
      const errors = err instanceof ConfigError ? [...err.issues] : [(err as Error).message];
      log.error({ errors }, 'reload refused, previous configuration kept');
      events.emit('config.reload', { success: false, users_count: world.users.size, error: errors.join('; ') });
      return { ok: false, errors };
    }
    const prev = world;
    world = next;
    obs.reconfigure(next);
    for (const key of ['ssh_listen', 'socks5_listen', 'socks5_tls_cert', 'socks5_tls_key', 'http_proxy_listen', 'http_proxy_tls_cert', 'http_proxy_tls_key', 'host_key_path'] as const) {
      if (prev.config.server[key] !== next.config.server[key]) log.warn(`server.${key} changed: takes effect after a restart`);
    }
    for (const key of ['redis_url', 'node_name', 'key_prefix'] as const) {
      if (prev.config.cluster[key] !== next.config.cluster[key]) log.warn(`cluster.${key} changed: takes effect after a restart`);
    }
    // One history for the machine: the lead worker keeps it.
    if ((!worker || worker.lead) && opts.configPath && configText !== undefined && next.config.persistence.config_history.enabled) {
      await saveConfigHistory({ dir: join(stages.state.dataDir, 'config-history'), text: configText, maxEntries: next.config.persistence.config_history.max_entries, clock })
        .catch((e: Error) => log.warn(`config history not saved: ${e.message}`));
      configText = safeRead(opts.configPath);
    }
    events.emit('config.reload', { success: true, users_count: next.users.size });
    log.info({ users: next.users.size }, 'configuration reloaded');
    return { ok: true, users_count: next.users.size };
  };
  const reload = async (): Promise<ReloadResult> => {
    if (worker) return worker.reloadAll();
    if (!opts.reloadConfig) return { ok: false, errors: ['no config file to reload (started without one)'] };
    return applyConfig(opts.reloadConfig);
  };

  const port = createManagementPort({
    world: () => world, sessions, stages, clock, startedAt: clock.now(), reload, fingerprints, cluster,
    httpProxy: addresses.http ? { listen: addresses.http, tls: Boolean(cfg0.server.http_proxy_tls_cert && cfg0.server.http_proxy_tls_key) } : undefined,
  });
  let obs: Awaited<ReturnType<typeof startObservability>>;
  try {
    obs = await startObservability({ world: () => world, events, clock, log, dns, stages, port, cluster, worker });
  } catch (err) {
    await Promise.all(listeners.map((l) => l.stopAccepting()));
    await cluster?.close();
    fingerprints?.close();
    await stages.close();
    throw err;
  }
  Object.assign(addresses, obs.addresses);
  const maintenance = watchMaintenanceWindows({ maintenance: () => world.maintenance, clock, sessions, events });

  return {
    addresses, pipeline, events, sessions, management: port,
    reload,
    applyConfig,
    async shutdown(reason) {
      log.info({ reason }, 'shutting down: no new connections');
      await Promise.all(listeners.map((l) => l.stopAccepting()));
      const deadline = clock.monotonic() + world.config.server.shutdown_timeout * 1000;
      while (sessions.tunnels().length > 0 && clock.monotonic() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const left = sessions.tunnels().length;
      if (left > 0) log.warn({ tunnels: left }, 'shutdown timeout reached: closing remaining tunnels');
      maintenance.stop();
      shutdownCtl.abort('shutdown');
      sessions.closeAll('shutdown');
      await obs.close();
      // The cluster first: its last flush reads the store's newest decisions.
      await cluster?.close();
      fingerprints?.close();
      await stages.close();
      log.info('shutdown complete');
    },
  };
}

function safeRead(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

