/**
 * `[server] workers`: each worker answers the primary's scrape requests (prom-client's cluster
 * messages) from its own registry, and the primary serves the machine's /metrics as their
 * aggregate. How each series adds up across workers is its `aggregator` (sum unless a gauge says
 * otherwise: a ban count or a quota total is the same in every worker). sshgate's primary gathers
 * its workers' registries over its own IPC and adds its own (`aggregateMetrics`), with the same rules.
 */
import { AggregatorRegistry, Registry } from 'prom-client';
import type { Metrics } from './metrics.js';

/** What `/metrics` serves: one registry, or the workers' aggregated (`machineMetricsSource`). */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** prom-client's cluster protocol, worker side: constructing an AggregatorRegistry installs its listener. */
export function offerToPrimary(registry: Registry): void {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/** In a worker: answer the primary's scrape requests from sks5's registry. */
export function reportToPrimary(metrics: Metrics): void {
  offerToPrimary(metrics.registry);
}

/** In the primary: every worker's registry as one source (prom-client's aggregation), sks5's or sshgate's. */
export function machineMetricsSource(): MetricsSource {
  const agg = new AggregatorRegistry();
  return { contentType: agg.contentType, metrics: () => agg.clusterMetrics() };
}

/** Registries gathered as prom-client JSON, as one text, each series aggregated as above. */
export function aggregateMetrics(parts: readonly (readonly unknown[])[]): Promise<string> {
  return AggregatorRegistry.aggregate(parts as Parameters<typeof AggregatorRegistry.aggregate>[0]).metrics();
}

/** The exposition content type of every registry here. */
export const METRICS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;

/** In the primary: every worker's metrics as one text, the machine's /metrics. */
export async function machineMetrics(): Promise<{ contentType: string; text: string }> {
  const source = machineMetricsSource();
  return { contentType: source.contentType, text: await source.metrics() };
}
