/**
 * Prometheus metrics for sshgate, on their own Registry (never prom-client's global one, so the
 * sks5 process can embed the gate without metric name clashes). Names follow gatekit's.
 */
import { createServer, type Server } from 'node:http';
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { VERSION } from '../version.js';
import { parseHostPort } from './routes.js';

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
  readonly registry = new Registry();
  readonly #connections: Counter<'route'>;
  readonly #results: Counter<'route' | 'result'>;
  readonly #active: Gauge;
  readonly #bytes: Counter<'route' | 'direction'>;

  /** `storeSize` is read at scrape time, so the gauge never goes stale. */
  constructor(storeSize: () => number) {
    const registers = [this.registry];
    this.#connections = new Counter({ name: 'sshgate_connections_total', help: 'Accepted TCP connections', labelNames: ['route'], registers });
    this.#results = new Counter({ name: 'sshgate_connection_results_total', help: 'Connections by outcome', labelNames: ['route', 'result'], registers });
    this.#active = new Gauge({ name: 'sshgate_active_connections', help: 'Connections being handled or proxied', registers });
    this.#bytes = new Counter({ name: 'sshgate_proxied_bytes_total', help: 'Bytes relayed after the handshake decision', labelNames: ['route', 'direction'], registers });
    // With workers every one reads the same file: the machine's value is any one's, not their sum.
    new Gauge({ name: 'sshgate_store_fingerprints', help: 'Rows in the fingerprint store', registers, aggregator: 'max', collect() { this.set(storeSize()); } });
    new Gauge({ name: 'sshgate_build_info', help: 'Build information', labelNames: ['version'], registers, aggregator: 'max' }).set({ version: VERSION }, 1);
    collectDefaultMetrics({ register: this.registry, prefix: 'sshgate_' });
  }

  connection(route: string): void { this.#connections.inc({ route }); }
  result(route: string, result: ConnectionResult): void { this.#results.inc({ route, result }); }
  active(delta: number): void { this.#active.inc(delta); }
  bytes(route: string, direction: 'upstream' | 'downstream', n: number): void {
    if (n > 0) this.#bytes.inc({ route, direction }, n);
  }
}

/** What `/metrics` serves: one registry, or the workers' aggregated (`workersMetrics`). */
export interface MetricsSource { metrics(): Promise<string>; readonly contentType: string }

/** In a worker: answer the primary's metric requests with this registry (prom-client's cluster protocol). */
export function offerWorkerMetrics(registry: Registry): void {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/** In the primary: every worker's registry, counters and active connections summed (prom-client's aggregation). */
export function workersMetrics(): MetricsSource {
  const agg = new AggregatorRegistry();
  return { metrics: () => agg.clusterMetrics(), contentType: agg.contentType };
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
