/**
 * sks5's Prometheus series and the bus events that feed them. The observe/metrics*.ts modules are
 * the only ones that import prom-client and make every registry (sks5's here, sshgate's through
 * metrics-registry.ts `createRegistry`), never prom-client's global one, so a process that embeds
 * the gate has no name clashes. Everything is fed by bus events or read through callbacks at
 * scrape time (metrics-scraped.ts), so core code never calls into metrics; with workers the
 * primary aggregates (metrics-workers.ts).
 *
 * Names are the original sks5's as a scraper saw them, decided knowingly: counters end in
 * `_total` exactly once (the original's Rust client appended `_total` to names that already had
 * it, exporting `sks5_auth_failures_total_total`; we export `sks5_auth_failures_total`).
 * Quota usage is a gauge (it falls when a window rolls over), not the original's counter.
 * User labels are capped at `max_metric_labels`; later users share the `_other` label.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ERRORS, isErrorCode } from '../errors.js';
import { VERSION } from '../version.js';
import type { EventBus } from './events.js';
import { registerScraped, type ScrapedSources } from './metrics-scraped.js';

export const OTHER_LABEL = '_other';
const MAX_TRACKED_BANS = 100_000;

/** What sks5's series are fed by: the bus, and the scrape-time sources (observe/metrics-scraped.ts). */
export interface MetricsOptions extends ScrapedSources {
  events: EventBus;
  maxLabels: number;
  /** Current ban count; when absent it is tracked from ban.* events. */
  bannedIps?: () => number;
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
  registerScraped(registry, opts, (u) => userLabel(u, false));
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
