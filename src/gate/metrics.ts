/**
 * Prometheus metrics for sshgate, on a registry of their own made by observe/metrics-registry.ts (the
 * metrics modules are the only ones that touch prom-client), so the sks5 process can embed the gate without metric name
 * clashes. Names follow gatekit's.
 */
import { createServer, type Server } from 'node:http';
import { createRegistry, type LabelledCounter, type LevelGauge, type MetricsRegistry } from '../observe/metrics-registry.js';
import { METRICS_CONTENT_TYPE, aggregateMetrics, type MetricsSource } from '../observe/metrics-workers.js';
import { VERSION } from '../version.js';
import { parseHostPort } from './routes.js';

export type { MetricsSource };

export type ConnectionResult =
  | 'proxied' | 'approved' | 'blocked' | 'pending' | 'pending_allowed' | 'rate_limited' | 'overload'
  | 'malformed_ident' | 'malformed_kexinit' | 'timeout' | 'store_error' | 'backend_error' | 'banner_changed';

/** What the gate reports; the gate never imports prom-client itself. */
export interface GateMetrics {
  connection(route: string): void;
  result(route: string, result: ConnectionResult): void;
  active(delta: number): void;
  bytes(route: string, direction: 'upstream' | 'downstream', n: number): void;
}

export const noMetrics: GateMetrics = { connection() {}, result() {}, active() {}, bytes() {} };

export class PrometheusGateMetrics implements GateMetrics {
  readonly registry: MetricsRegistry = createRegistry();
  readonly #connections: LabelledCounter<'route'>;
  readonly #results: LabelledCounter<'route' | 'result'>;
  readonly #active: LevelGauge;
  readonly #bytes: LabelledCounter<'route' | 'direction'>;

  /** `storeSize` is read at scrape time, so the gauge never goes stale. */
  constructor(storeSize: () => number) {
    const r = this.registry;
    this.#connections = r.counter('sshgate_connections_total', 'Accepted TCP connections', ['route']);
    this.#results = r.counter('sshgate_connection_results_total', 'Connections by outcome', ['route', 'result']);
    this.#active = r.gauge('sshgate_active_connections', 'Connections being handled or proxied');
    this.#bytes = r.counter('sshgate_proxied_bytes_total', 'Bytes relayed after the handshake decision', ['route', 'direction']);
    // With workers every one reads the same file: the machine's value is any one's, not their sum.
    r.sampled('sshgate_store_fingerprints', 'Rows in the fingerprint store', storeSize);
    r.info('sshgate_build_info', 'Build information', { version: VERSION });
    r.processMetrics('sshgate_');
  }

  connection(route: string): void { this.#connections.inc({ route }); }
  result(route: string, result: ConnectionResult): void { this.#results.inc({ route, result }); }
  active(delta: number): void { this.#active.inc(delta); }
  bytes(route: string, direction: 'upstream' | 'downstream', n: number): void {
    if (n > 0) this.#bytes.inc({ route, direction }, n);
  }
}

/**
 * In the primary: its own series (accepted connections, refusals at admission) and every worker's
 * (`scrape`), summed into the machine's. `own` is null when the primary counts nothing itself.
 */
export function workersMetrics(own: PrometheusGateMetrics | null, scrape: () => Promise<(readonly unknown[])[]>): MetricsSource {
  return {
    contentType: METRICS_CONTENT_TYPE,
    metrics: async () => aggregateMetrics([...(own ? [await own.registry.json()] : []), ...await scrape()]),
  };
}

/** Serves `GET /metrics` on `listen` (Go-style host:port). Resolves once listening. */
export async function serveMetrics(listen: string, registry: MetricsSource): Promise<Server> {
  const addr = parseHostPort(listen, 'metrics');
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: Error) => res.writeHead(500).end(`${err.message}\n`),
    );
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: addr.host, port: addr.port }, () => { server.off('error', reject); resolve(); });
  });
  return server;
}
