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
import { SessionRegistry } from '../pipeline/sessions.js';
import { buildWorld, type World } from '../pipeline/world.js';
import { DnsCache } from '../relay/dns-cache.js';
import { createSocksAuthenticator, type TotpVerifier } from '../socks/auth.js';
import { createSocksListener, type SocksListener } from '../socks/listener.js';
import { createUdpAssociations } from '../socks/udp.js';
import { splitHostPort } from './listen-address.js';
import { createSshServer, type SshServer } from '../ssh/server.js';
import { loadOrCreateHostKey } from '../ssh/host-keys.js';
import { createStages, type Stages } from './stages.js';

export interface StartOptions {
  config: Config;
  configPath?: string | undefined;
  log: Logger;
  clock?: Clock;
}

export interface RunningServer {
  readonly addresses: { ssh?: string; socks5?: string; api?: string; metrics?: string };
  readonly pipeline: Pipeline;
  readonly events: EventBus;
  readonly sessions: SessionRegistry;
  /** Validate and swap in a new config (users, ACLs, limits apply to new connections at once). */
  reload(next: Config): void;
  /** Stop accepting, drain tunnels up to `shutdown_timeout`, then close everything. */
  shutdown(reason: string): Promise<void>;
}

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log;
  const events = new EventBus(() => clock.now());
  const sessions = new SessionRegistry();
  let world: World = buildWorld(opts.config, clock.now());
  const shutdownCtl = new AbortController();
  const cfg0 = opts.config;
  const dns = new DnsCache({ ttl: cfg0.server.dns_cache_ttl, maxEntries: cfg0.server.dns_cache_max_entries, clock });
  const stages: Stages = await createStages({ config: () => world.config, clock, events, log });
  const pipeline = new Pipeline({
    world: () => world, events, clock, log, sessions, dns,
    admission: stages.admission, limits: stages.limits, shutdown: shutdownCtl.signal,
  });
  const totp: TotpVerifier = stages.verifyTotp;
  const authenticate = createSocksAuthenticator(pipeline, totp);
  const udp = createUdpAssociations(pipeline, stages.limits);
  const addresses: { ssh?: string; socks5?: string; api?: string; metrics?: string } = {};
  const listeners: (SocksListener | SshServer)[] = [];

  // SSH is the main door; an empty ssh_listen is not allowed by the schema, so it always runs.
  {
    const hostKey = loadOrCreateHostKey(cfg0.server.host_key_path);
    const ssh = createSshServer({ pipeline, hostKey: hostKey.privateKey, totp: stages.totp });
    const { host, port } = splitHostPort(cfg0.server.ssh_listen);
    const a = await ssh.listen(host, port);
    addresses.ssh = formatAddr(a.address, a.port);
    listeners.push(ssh);
    log.info({ listen: addresses.ssh, kind: 'ssh' }, `SSH listening on ${addresses.ssh}`);
  }

  if (cfg0.server.socks5_listen) {
    const tls = cfg0.server.socks5_tls_cert && cfg0.server.socks5_tls_key
      ? { cert: readFileSync(cfg0.server.socks5_tls_cert), key: readFileSync(cfg0.server.socks5_tls_key) }
      : undefined;
    const l = createSocksListener({ pipeline, authenticate, udp, tls });
    const { host, port } = splitHostPort(cfg0.server.socks5_listen);
    const a = await l.listen(host, port);
    addresses.socks5 = formatAddr(a.address, a.port);
    listeners.push(l);
    log.info({ listen: addresses.socks5, kind: 'socks5', tls: tls !== undefined }, `SOCKS5${tls ? ' (TLS)' : ''} listening on ${addresses.socks5}`);
  }

  return {
    addresses, pipeline, events, sessions,
    reload(next) {
      const w = buildWorld(next, clock.now());
      world = w;
      events.emit('config.reload', { success: true, users_count: w.users.size });
    },
    async shutdown(reason) {
      log.info({ reason }, 'shutting down: no new connections');
      await Promise.all(listeners.map((l) => l.stopAccepting()));
      const deadline = clock.monotonic() + world.config.server.shutdown_timeout * 1000;
      while (sessions.tunnels().length > 0 && clock.monotonic() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const left = sessions.tunnels().length;
      if (left > 0) log.warn({ tunnels: left }, 'shutdown timeout reached: closing remaining tunnels');
      shutdownCtl.abort('shutdown');
      sessions.closeAll('shutdown');
      await stages.close();
      log.info('shutdown complete');
    },
  };
}

function formatAddr(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
