/**
 * sks5's series read at scrape time: cumulative counts and levels kept by their owners (the audit
 * queue, the DNS cache, persistence, the cluster link, webhooks, the pre-auth budget, quota usage)
 * and read through callbacks when /metrics is asked, so the code that keeps a count never calls
 * into metrics. Registered by createMetrics (observe/metrics.ts), in the exposition order scrapers saw.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { StartupsSnapshot } from '../policy/startup-budget.js';

export interface PersistenceStats {
  available: boolean;
  state_file_bytes: number;
  reputation_file_bytes: number;
  state_flush_total: number;
  state_flush_errors_total: number;
  reputation_flush_total: number;
  reputation_flush_errors_total: number;
}

export interface QuotaGaugeSource {
  username: string;
  hourly_bytes: number;
  daily_bytes: number;
  monthly_bytes: number;
  daily_connections: number;
  monthly_connections: number;
}

/** The callbacks createMetrics reads at scrape time; each series exists only when its source is given. */
export interface ScrapedSources {
  persistence?: () => PersistenceStats;
  /** Cumulative DNS cache hits and misses. */
  dns?: () => { hits: number; misses: number };
  /** Cumulative audit events dropped (observe/audit.ts `dropped`). */
  auditDropped?: () => number;
  quotaUsage?: () => QuotaGaugeSource[];
  /** Cumulative webhook outcomes (observe/webhooks.ts `stats`). */
  webhooks?: () => { delivered: number; failed: number; dropped: number; refused: number };
  /** Present with `[cluster]`: whether Redis is reachable, and state messages sent and received. */
  cluster?: () => { connected: boolean; published: number; received: number; rejected: number };
  /** The pre-auth budget (policy/startup-budget.ts `snapshot`). */
  startups?: () => StartupsSnapshot;
}

/** `userLabel`: the capped user label (max_metric_labels), without counting a cap at scrape time. */
export function registerScraped(registry: Registry, opts: ScrapedSources, userLabel: (u: string) => string): void {
  const reg = [registry];
  cumulative(registry, 'sks5_audit_events_dropped_total', 'Audit events dropped because the write queue was full', () => opts.auditDropped?.() ?? 0);
  cumulative(registry, 'sks5_dns_cache_hits_total', 'DNS cache hits', () => opts.dns?.().hits ?? 0);
  cumulative(registry, 'sks5_dns_cache_misses_total', 'DNS cache misses', () => opts.dns?.().misses ?? 0);
  registerPersistence(registry, opts.persistence);
  const cluster = opts.cluster;
  if (cluster) {
    new Gauge({ name: 'sks5_cluster_redis_connected', help: '1 when this node reaches the cluster Redis; 0 = degraded, serving on local state', aggregator: 'min', registers: reg, collect() { this.set(cluster().connected ? 1 : 0); } });
    cumulative(registry, 'sks5_cluster_state_changes_published_total', 'State changes (bans, failures, scores) this node sent to the cluster', () => cluster().published);
    cumulative(registry, 'sks5_cluster_state_changes_received_total', 'State changes received from other nodes', () => cluster().received);
    cumulative(registry, 'sks5_cluster_state_messages_rejected_total', 'State messages dropped as malformed or oversized', () => cluster().rejected);
  }
  const webhookStats = opts.webhooks;
  if (webhookStats) {
    new Counter({
      name: 'sks5_webhook_deliveries_total', help: 'Webhook deliveries by outcome (refused = SSRF guard)', labelNames: ['result'], registers: reg,
      collect() {
        this.reset();
        const st = webhookStats();
        for (const result of ['delivered', 'failed', 'dropped', 'refused'] as const) this.inc({ result }, st[result]);
      },
    });
  }
  if (opts.startups) registerStartups(registry, opts.startups);
  if (opts.quotaUsage) registerQuotaGauges(registry, opts.quotaUsage, userLabel);
}

/** A counter whose value is read from a cumulative source at scrape time. */
function cumulative(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name, help, registers: [registry],
    collect() {
      this.reset();
      const v = read();
      if (Number.isFinite(v) && v > 0) this.inc(v);
    },
  });
}

function registerPersistence(registry: Registry, read: (() => PersistenceStats) | undefined): void {
  const reg = [registry];
  const stat = (): PersistenceStats | undefined => read?.();
  new Gauge({ name: 'sks5_persistence_available', help: '1 when the data directory is writable and state is persisted', aggregator: 'min', registers: reg, collect() { this.set(stat()?.available ? 1 : 0); } });
  new Gauge({ name: 'sks5_persistence_state_file_bytes', help: 'Size of the persisted state', aggregator: 'max', registers: reg, collect() { this.set(stat()?.state_file_bytes ?? 0); } });
  new Gauge({ name: 'sks5_persistence_reputation_file_bytes', help: 'Size of the persisted IP reputation', aggregator: 'max', registers: reg, collect() { this.set(stat()?.reputation_file_bytes ?? 0); } });
  cumulative(registry, 'sks5_persistence_state_flush_total', 'State flushes', () => stat()?.state_flush_total ?? 0);
  cumulative(registry, 'sks5_persistence_state_flush_errors_total', 'State flushes that failed', () => stat()?.state_flush_errors_total ?? 0);
  cumulative(registry, 'sks5_persistence_reputation_flush_total', 'Reputation flushes', () => stat()?.reputation_flush_total ?? 0);
  cumulative(registry, 'sks5_persistence_reputation_flush_errors_total', 'Reputation flushes that failed', () => stat()?.reputation_flush_errors_total ?? 0);
}

function registerStartups(registry: Registry, read: () => StartupsSnapshot): void {
  const reg = [registry];
  new Gauge({ name: 'sks5_startups_in_progress', help: 'Unauthenticated connections in progress now (the limits.max_startups budget)', registers: reg, collect() { this.set(read().inProgress); } });
  new Gauge({ name: 'sks5_startups_early_drop_active', help: '1 while new unauthenticated connections are dropped at random or all (in progress >= limits.max_startups start)', registers: reg, collect() { this.set(read().earlyDropActive ? 1 : 0); } });
  new Counter({
    name: 'sks5_startups_dropped_total', help: 'New connections closed at accept by the pre-auth budget: per_source, early_drop (random), full', labelNames: ['reason'], registers: reg,
    collect() {
      this.reset();
      const dropped = read().dropped;
      for (const reason of ['per_source', 'early_drop', 'full'] as const) this.inc({ reason }, dropped[reason]);
    },
  });
}

type QuotaCounter = Exclude<keyof QuotaGaugeSource, 'username'>;

function registerQuotaGauges(registry: Registry, read: () => QuotaGaugeSource[], userLabel: (u: string) => string): void {
  const gauge = (name: string, help: string, windows: ReadonlyArray<readonly [string, QuotaCounter]>): void => {
    new Gauge({
      name, help, labelNames: ['user', 'window'], aggregator: 'max', registers: [registry],
      collect() {
        this.reset();
        for (const q of read()) {
          const user = userLabel(q.username);
          // Users folded into _other add up instead of overwriting each other.
          for (const [window, field] of windows) this.inc({ user, window }, q[field]);
        }
      },
    });
  };
  gauge('sks5_quota_bandwidth_used_bytes', 'Bytes used in the current quota window', [['hourly', 'hourly_bytes'], ['daily', 'daily_bytes'], ['monthly', 'monthly_bytes']]);
  gauge('sks5_quota_connections_used', 'Connections used in the current quota window', [['daily', 'daily_connections'], ['monthly', 'monthly_connections']]);
}
