/**
 * Subscribers of the event bus that the operator configures: Prometheus metrics (+ their HTTP
 * endpoint), the audit log, webhooks and alerting; and the management API. Built at start-up;
 * webhooks and alerting are rebuilt on reload.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../observe/events.js';
import { createMetrics, type Metrics } from '../observe/metrics.js';
import { reportToPrimary } from '../observe/metrics-workers.js';
import { createAuditLog, type AuditLog } from '../observe/audit.js';
import { createWebhookDispatcher, type WebhookDispatcher } from '../observe/webhooks.js';
import { createAlerting, type Alerting } from '../observe/alerting.js';
import { createMetricsServer } from '../api/metrics-server.js';
import { createApiServer } from '../api/server.js';
import type { ManagementPort } from '../api/port.js';
import { isForbiddenAddress } from '../policy/ssrf.js';
import type { DnsCache } from '../relay/dns-cache.js';
import type { Stages } from './stages.js';
import type { ClusterNode } from '../cluster/node.js';
import type { World } from '../pipeline/world.js';
import { parseListenAddress } from '../host-port.js';
import type { WorkerRole } from './worker-role.js';

export interface Observability {
  metrics: Metrics;
  addresses: { api?: string; metrics?: string };
  /** Rebuild the config-dependent subscribers after a reload. */
  reconfigure(world: World): void;
  close(): Promise<void>;
}

export async function startObservability(d: {
  world: () => World; events: EventBus; clock: Clock; log: Logger; dns: DnsCache; stages: Stages; port: ManagementPort;
  cluster?: ClusterNode | undefined;
  /** With `[server] workers`: only the lead worker listens, and /metrics is the whole machine's. */
  worker?: WorkerRole | undefined;
}): Promise<Observability> {
  const cfg = d.world().config;
  const dbFile = join(d.stages.state.dataDir, 'sks5.db');
  let audit: AuditLog | undefined;
  if (cfg.logging.audit_log_path) {
    audit = createAuditLog({ path: cfg.logging.audit_log_path, maxSizeBytes: cfg.logging.audit_max_size_mb * 1024 * 1024, maxFiles: cfg.logging.audit_max_files, events: d.events, log: d.log });
  }
  let webhooks: WebhookDispatcher | undefined;
  let alerting: Alerting | undefined;
  const buildSubscribers = (c: Config): void => {
    const oldHooks = webhooks;
    webhooks = createWebhookDispatcher({ webhooks: c.webhooks, clock: d.clock, events: d.events, log: d.log, isForbidden: (ip) => isForbiddenAddress(ip).forbidden });
    void oldHooks?.close();
    alerting?.stop();
    alerting = undefined;
    if (c.alerting.enabled && c.alerting.rules.length > 0) {
      alerting = createAlerting({
        rules: c.alerting.rules, events: d.events, clock: d.clock, webhooks,
        usage: (name) => { const u = d.world().users.get(name); return u ? d.stages.state.usage(u) : undefined; },
        users: () => [...d.world().users.keys()],
      });
      alerting.start();
    }
  };
  buildSubscribers(cfg);

  const metrics = createMetrics({
    events: d.events,
    scraped: cfg.metrics.enabled,
    maxLabels: cfg.metrics.max_metric_labels,
    bannedIps: () => d.stages.state.bans.list().length,
    // One SQLite file holds state and reputation, written in the same batches: both series report it.
    persistence: () => {
      const f = d.stages.state.flushStats();
      const size = fileSize(dbFile);
      return {
        available: d.stages.state.persistenceAvailable,
        state_file_bytes: size, reputation_file_bytes: size,
        state_flush_total: f.flushes, state_flush_errors_total: f.errors, reputation_flush_total: f.flushes, reputation_flush_errors_total: f.errors,
      };
    },
    dns: () => ({ hits: d.dns.hits, misses: d.dns.misses }),
    auditDropped: () => audit?.dropped ?? 0,
    quotaUsage: () => [...d.world().users.values()].map((u) => d.stages.state.usage(u)),
    webhooks: () => webhooks?.stats() ?? { delivered: 0, failed: 0, dropped: 0, refused: 0 },
    ...(d.cluster ? { cluster: clusterStats(d.cluster) } : {}),
    startups: () => d.stages.admission.startups(),
  });

  const servers: FastifyInstance[] = [];
  const addresses: { api?: string; metrics?: string } = {};
  const worker = d.worker;
  if (worker) reportToPrimary(metrics);
  const machine = worker?.machineMetrics;
  const served: Metrics = machine ? { ...metrics, render: async () => (await machine()).text } : metrics;
  const listen = !worker || worker.lead;
  // Per-request lines would drown the connection log; HTTP errors still show at warn.
  const flog = d.log.child({ component: 'http' }, { level: 'warn' }) as unknown as FastifyBaseLogger;
  if (cfg.metrics.enabled && listen) {
    const app = createMetricsServer({ metrics: served, status: () => ({ maintenance: d.stages.admission.maintenance().enabled, total_users: d.world().users.size }), log: flog });
    const { host, port } = parseListenAddress(cfg.metrics.listen);
    const at = await app.listen({ host, port });
    addresses.metrics = hostPort(at);
    servers.push(app);
    d.log.info({ listen: addresses.metrics, kind: 'metrics' }, `metrics listening on ${addresses.metrics}`);
  }
  if (cfg.api.enabled && listen) {
    const app = createApiServer({ port: d.port, events: d.events, token: cfg.api.token, clock: d.clock, log: flog, metrics: served, cluster: d.cluster });
    const { host, port } = parseListenAddress(cfg.api.listen);
    const at = await app.listen({ host, port });
    addresses.api = hostPort(at);
    servers.push(app);
    d.log.info({ listen: addresses.api, kind: 'api' }, `API listening on ${addresses.api}`);
  }

  return {
    metrics,
    addresses,
    reconfigure(world) {
      buildSubscribers(world.config);
      metrics.retainUsers(world.users.keys());
    },
    async close() {
      alerting?.stop();
      await Promise.all(servers.map((s) => s.close()));
      await webhooks?.close();
      await audit?.close();
      metrics.close();
    },
  };
}

function fileSize(path: string): number {
  try { return statSync(path).size; } catch { return 0; }
}

/** Fastify returns "http://127.0.0.1:9091"; we log host:port like the other listeners. */
function hostPort(url: string): string {
  return url.replace(/^https?:\/\//, '');
}

function clusterStats(c: ClusterNode): () => { connected: boolean; published: number; received: number; rejected: number } {
  return () => {
    const s = c.status();
    return { connected: s.state === 'connected', published: s.stats.published, received: s.stats.received, rejected: s.stats.rejected };
  };
}
