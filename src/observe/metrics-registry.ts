/**
 * A registry for a program other than sks5 (sshgate): the few kinds of series it declares, so the
 * gate never imports prom-client itself, and its workers report to the primary as sks5's do.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsSource } from './metrics-workers.js';

export interface LabelledCounter<L extends string> { inc(labels: Readonly<Record<L, string>>, n?: number): void }
export interface LevelGauge { inc(delta: number): void }

/** The kinds of series sshgate declares, on a registry of its own. */
export interface MetricsRegistry extends MetricsSource {
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): LabelledCounter<L>;
  gauge(name: string, help: string): LevelGauge;
  /** Read at scrape time; with workers the machine's value is the largest (each worker reads the same source). */
  sampled(name: string, help: string, read: () => number): void;
  /** A constant 1 carrying these labels (build information), the same in every worker. */
  info(name: string, help: string, labels: Readonly<Record<string, string>>): void;
  /** Node process metrics with this name prefix. */
  processMetrics(prefix: string): void;
  /** The series as prom-client JSON, for a primary that gathers its workers' registries itself (`aggregateMetrics`). */
  json(): Promise<readonly unknown[]>;
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
    json: () => registry.getMetricsAsJSON(),
  };
}
