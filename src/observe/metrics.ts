/**
 * Prometheus metrics: the only file that imports prom-client, and where every registry is made
 * (sks5's below, sshgate's through `createRegistry`), never prom-client's global one, so a process
 * that embeds the gate has no name clashes. Everything is fed by bus events or read through
 * callbacks at scrape time, so core code never calls into metrics.
 *
 * Names are the original sks5's as a scraper saw them, decided knowingly: counters end in
 * `_total` exactly once (the original's Rust client appended `_total` to names that already had
 * it, exporting `sks5_auth_failures_total_total`; we export `sks5_auth_failures_total`).
 * Quota usage is a gauge (it falls when a window rolls over), not the original's counter.
 * User labels are capped at `max_metric_labels`; later users share the `_other` label.
 */
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ERRORS, isErrorCode } from '../errors.js';
import { VERSION } from '../version.js';
import type { EventBus } from './events.js';
import type { StartupsSnapshot } from '../policy/startup-budget.js';

export const OTHER_LABEL = '_other';
const MAX_TRACKED_BANS = 100_000;

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

export interface MetricsOptions {
  events: EventBus;
  maxLabels: number;
  /** Current ban count; when absent it is tracked from ban.* events. */
  bannedIps?: () => number;
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
  /** Node process metrics (process_resident_memory_bytes, process_open_fds, ...); default true. */
  processMetrics?: boolean;
  /**
   * False when nothing can scrape the registry (`[metrics] enabled = false`): the series exist but
   * no event is counted and no process sampler runs (prom-client's event-loop monitor wakes the
   * loop every 10 ms). Default true.
   */
  scraped?: boolean;
}

/** Label children cached per label values: prom-client hashes the label object on every inc(). */
function children<C>(make: (...values: string[]) => C): (...values: string[]) => C {
  const cache = new Map<string, C>();
  return (...values) => {
    const key = values.join('\0');
    let c = cache.get(key);
    if (c === undefined) {
      // Bounded by the label values in use: protocols, methods and users already capped by userLabel.
      if (cache.size > 10_000) cache.clear();
      cache.set(key, (c = make(...values)));
    }
    return c;
  };
}

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  render(): Promise<string>;
  observeHttp(method: string, route: string, status: number, seconds: number): void;
  /** Forget user labels of users no longer configured (after a reload) so new users get real labels. */
  retainUsers(current: Iterable<string>): void;
  close(): void;
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

/** What `/metrics` serves: one registry, or the workers' aggregated (`machineMetricsSource`). */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface LabelledCounter<L extends string> { inc(labels: Readonly<Record<L, string>>, n?: number): void }
export interface LevelGauge { inc(delta: number): void }

/** A registry for a program other than sks5 (sshgate), with the few kinds of series it declares. */
export interface MetricsRegistry extends MetricsSource {
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): LabelledCounter<L>;
  gauge(name: string, help: string): LevelGauge;
  /** Read at scrape time; with workers the machine's value is the largest (each worker reads the same source). */
  sampled(name: string, help: string, read: () => number): void;
  /** A constant 1 carrying these labels (build information), the same in every worker. */
  info(name: string, help: string, labels: Readonly<Record<string, string>>): void;
  /** Node process metrics with this name prefix. */
  processMetrics(prefix: string): void;
  /** In a worker: answer the primary's scrape requests from this registry. */
  reportToPrimary(): void;
}

export function createRegistry(): MetricsRegistry {
  const registry = new Registry();
  const registers = [registry];
  return {
    get contentType() { return registry.contentType; },
    metrics: () => registry.metrics(),
    counter: <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers }),
    gauge: (name, help) => new Gauge({ name, help, registers }),
    sampled: (name, help, read) => { new Gauge({ name, help, registers, aggregator: 'max', collect() { this.set(read()); } }); },
    info: (name, help, labels) => { new Gauge({ name, help, labelNames: Object.keys(labels), registers, aggregator: 'max' }).set(labels, 1); },
    processMetrics: (prefix) => collectDefaultMetrics({ register: registry, prefix }),
    reportToPrimary: () => offerToPrimary(registry),
  };
}

/** prom-client's cluster protocol, worker side: constructing an AggregatorRegistry installs its listener. */
function offerToPrimary(registry: Registry): void {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  const reg = [registry];
  const known = new Set<string>();
  const capped = new Counter({ name: 'sks5_metrics_cardinality_capped_total', help: 'Times a user label was replaced by _other because of max_metric_labels', registers: reg });
  /** `count` is false at scrape time, so re-reading the same capped users does not inflate the counter. */
  const userLabel = (user: string, count = true): string => {
    if (known.has(user)) return user;
    if (known.size < opts.maxLabels) { known.add(user); return user; }
    if (count) capped.inc();
    return OTHER_LABEL;
  };

  const connectionsActive = new Gauge({ name: 'sks5_connections_active', help: 'Authenticated connections open now, per user', labelNames: ['user'], registers: reg });
  const transportActive = new Gauge({ name: 'sks5_transport_connections_active', help: 'TCP connections open now, per listener protocol', labelNames: ['protocol'], registers: reg });
  const tunnelsActive = new Gauge({ name: 'sks5_sessions_active', help: 'Proxy tunnels (SOCKS5 CONNECT, SSH direct-tcpip) open now', registers: reg });
  const connectionsTotal = new Counter({ name: 'sks5_connections_total', help: 'Connections accepted since start', labelNames: ['protocol'], registers: reg });
  const bytes = new Counter({ name: 'sks5_bytes_transferred_total', help: 'Bytes relayed; direction up = client to target', labelNames: ['user', 'direction'], registers: reg });
  const authFailures = new Counter({ name: 'sks5_auth_failures_total', help: 'Authentication failures', labelNames: ['method'], registers: reg });
  const authSuccesses = new Counter({ name: 'sks5_auth_successes_total', help: 'Authentication successes', labelNames: ['user', 'method'], registers: reg });
  const errors = new Counter({ name: 'sks5_errors_total', help: 'Errors by type', labelNames: ['error_type'], registers: reg });
  const rejected = new Counter({ name: 'sks5_connections_rejected_total', help: 'Connections refused before or at authorization', labelNames: ['reason'], registers: reg });
  const aclDenied = new Counter({ name: 'sks5_acl_denied_total', help: 'Proxy requests refused by our own rules (ACL, anti-SSRF, account, limits)', labelNames: ['code'], registers: reg });
  const connectFailures = new Counter({ name: 'sks5_connect_failures_total', help: 'Proxy requests allowed by policy that could not be connected (DNS, refused, timeout, upstream)', labelNames: ['code'], registers: reg });
  const quotaExceeded = new Counter({ name: 'sks5_quota_exceeded_total', help: 'Requests refused or cut because a quota was used up', labelNames: ['user', 'type'], registers: reg });
  const alerts = new Counter({ name: 'sks5_alerts_triggered_total', help: 'Alert rules fired', labelNames: ['alert'], registers: reg });
  const reloads = new Counter({ name: 'sks5_config_reloads_total', help: 'Config reloads', labelNames: ['result'], aggregator: 'max', registers: reg });
  const duration = new Histogram({ name: 'sks5_connection_duration_seconds', help: 'Authenticated connection duration', labelNames: ['user'], buckets: [1, 5, 15, 30, 60, 300, 600, 1800, 3600], registers: reg });
  const durationByType = new Histogram({ name: 'sks5_connection_duration_by_type_seconds', help: 'Authenticated connection duration by type', labelNames: ['conn_type', 'user'], buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600], registers: reg });
  const httpRequests = new Counter({ name: 'sks5_http_requests_total', help: 'API requests', labelNames: ['method', 'path', 'status'], registers: reg });
  const httpDuration = new Histogram({ name: 'sks5_http_request_duration_seconds', help: 'API request duration', labelNames: ['method', 'path'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: reg });
  new Gauge({ name: 'sks5_build_info', help: 'Build information; the value is always 1', labelNames: ['version', 'node_version'], aggregator: 'first', registers: reg }).set({ version: VERSION, node_version: process.version }, 1);

  const banned = new Set<string>();
  new Gauge({
    name: 'sks5_banned_ips_current', help: 'IPs banned now', aggregator: 'max', registers: reg,
    collect() { this.set(opts.bannedIps ? opts.bannedIps() : banned.size); },
  });
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
  if (opts.quotaUsage) registerQuotaGauges(registry, opts.quotaUsage, (u) => userLabel(u, false));
  const scraped = opts.scraped !== false;
  if (scraped && opts.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const perUser = new Map<string, number>();
  const errorType = (code: string): string => (isErrorCode(code) ? ERRORS[code].metric : 'internal_error');
  const bus = opts.events;
  // The per-connection series, through cached label children (no label hashing per event).
  const accepted = children((protocol) => connectionsTotal.labels(protocol));
  const transport = children((protocol) => transportActive.labels(protocol));
  const activeOf = children((user) => connectionsActive.labels(user));
  const successes = children((user, method) => authSuccesses.labels(user, method));
  const bytesOf = children((user, direction) => bytes.labels(user, direction));
  const offs = !scraped ? [] : [
    bus.on('connection.new', (e) => { accepted(e.data.protocol).inc(); transport(e.data.protocol).inc(); }),
    bus.on('connection.closed', (e) => transport(e.data.protocol).dec()),
    bus.on('session.authenticated', (e) => {
      const u = userLabel(e.data.username);
      perUser.set(u, (perUser.get(u) ?? 0) + 1);
      activeOf(u).set(perUser.get(u) ?? 0);
    }),
    bus.on('session.ended', (e) => {
      const u = userLabel(e.data.username);
      // Clamped: an ended event without its start (e.g. across a reload) must not go negative.
      perUser.set(u, Math.max(0, (perUser.get(u) ?? 0) - 1));
      activeOf(u).set(perUser.get(u) ?? 0);
      duration.observe({ user: u }, e.data.duration_ms / 1000);
      durationByType.observe({ conn_type: e.data.protocol, user: u }, e.data.duration_ms / 1000);
    }),
    bus.on('auth.success', (e) => successes(userLabel(e.data.username), e.data.method).inc()),
    // Failures are labelled by method only: the username is whatever an attacker typed.
    bus.on('auth.failure', (e) => { authFailures.inc({ method: e.data.method }); errors.inc({ error_type: 'auth_failure' }); }),
    bus.on('proxy.start', () => tunnelsActive.inc()),
    bus.on('proxy.complete', (e) => {
      tunnelsActive.dec();
      const u = userLabel(e.data.username);
      if (e.data.bytes_up > 0) bytesOf(u, 'up').inc(e.data.bytes_up);
      if (e.data.bytes_down > 0) bytesOf(u, 'down').inc(e.data.bytes_down);
    }),
    // A UDP association's event stands for `datagrams` refused datagrams: each one is counted.
    bus.on('acl.deny', (e) => { const n = e.data.datagrams ?? 1; aclDenied.inc({ code: e.data.code }, n); errors.inc({ error_type: errorType(e.data.code) }, n); }),
    bus.on('connect.failed', (e) => { const n = e.data.datagrams ?? 1; connectFailures.inc({ code: e.data.code }, n); errors.inc({ error_type: errorType(e.data.code) }, n); }),
    bus.on('connection.rejected', (e) => { rejected.inc({ reason: errorType(e.data.code) }); errors.inc({ error_type: errorType(e.data.code) }); }),
    bus.on('quota.exceeded', (e) => { quotaExceeded.inc({ user: userLabel(e.data.username), type: e.data.quota }); errors.inc({ error_type: 'quota_exceeded' }); }),
    bus.on('rate_limit.exceeded', () => errors.inc({ error_type: 'rate_limited' })),
    bus.on('ban.created', (e) => { if (banned.size < MAX_TRACKED_BANS) banned.add(e.data.ip); }),
    bus.on('ban.expired', (e) => banned.delete(e.data.ip)),
    bus.on('ban.removed', (e) => banned.delete(e.data.ip)),
    bus.on('alert.triggered', (e) => alerts.inc({ alert: e.data.alert })),
    bus.on('config.reload', (e) => reloads.inc({ result: e.data.success ? 'success' : 'failure' })),
  ];

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    observeHttp(method, route, status, seconds) {
      httpRequests.inc({ method, path: route, status: String(status) });
      httpDuration.observe({ method, path: route }, seconds);
    },
    retainUsers(current) {
      const keep = new Set(current);
      for (const u of [...known]) if (!keep.has(u)) known.delete(u);
    },
    close() {
      for (const off of offs) off();
      registry.clear();
    },
  };
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

function registerQuotaGauges(registry: Registry, read: () => QuotaGaugeSource[], userLabel: (u: string) => string): void {
  new Gauge({
    name: 'sks5_quota_bandwidth_used_bytes', help: 'Bytes used in the current quota window', labelNames: ['user', 'window'], aggregator: 'max', registers: [registry],
    collect() {
      this.reset();
      for (const q of read()) {
        const user = userLabel(q.username);
        // Users folded into _other add up instead of overwriting each other.
        this.inc({ user, window: 'hourly' }, q.hourly_bytes);
        this.inc({ user, window: 'daily' }, q.daily_bytes);
        this.inc({ user, window: 'monthly' }, q.monthly_bytes);
      }
    },
  });
  new Gauge({
    name: 'sks5_quota_connections_used', help: 'Connections used in the current quota window', labelNames: ['user', 'window'], aggregator: 'max', registers: [registry],
    collect() {
      this.reset();
      for (const q of read()) {
        const user = userLabel(q.username);
        this.inc({ user, window: 'daily' }, q.daily_connections);
        this.inc({ user, window: 'monthly' }, q.monthly_connections);
      }
    },
  });
}

/**
 * `[server] workers`: each worker answers the primary's scrape requests (prom-client's cluster
 * messages) from its own registry; how each series adds up across workers is its `aggregator`
 * (sum unless a gauge says otherwise: a ban count or a quota total is the same in every worker).
 */
export function reportToPrimary(metrics: Metrics): void {
  offerToPrimary(metrics.registry);
}

/** In the primary: every worker's registry as one source (prom-client's aggregation), sks5's or sshgate's. */
export function machineMetricsSource(): MetricsSource {
  const agg = new AggregatorRegistry();
  return { contentType: agg.contentType, metrics: () => agg.clusterMetrics() };
}

/** In the primary: every worker's metrics as one text, the machine's /metrics. */
export async function machineMetrics(): Promise<{ contentType: string; text: string }> {
  const source = machineMetricsSource();
  return { contentType: source.contentType, text: await source.metrics() };
}
