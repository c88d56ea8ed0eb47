/**
 * What a process started by `[server] workers` knows of its place (src/server/primary.ts starts
 * them): its index, whether it runs the API, and how it reaches the primary for what the whole
 * machine shares. A leaf module: start.ts and worker.ts both read it.
 */
import type { ReloadResult } from '../api/port.js';
import type { IpcEndpoint } from '../cluster/worker-store.js';
import type { DoorListener } from '../pipeline/types.js';
import type { BoundDoors, DoorName } from './primary-doors.js';

export interface WorkerRole {
  /** 1-based; stable across a crash and its replacement. */
  readonly index: number;
  readonly count: number;
  /** Worker 1 runs the API/dashboard and metrics listeners, so the machine has one of each. */
  readonly lead: boolean;
  /** The primary's pid when it holds the data directory lock for its workers. */
  readonly primaryPid: number | undefined;
  readonly ipc: IpcEndpoint;
  /** POST /api/reload: the primary reloads every worker, all or nothing. */
  reloadAll(): Promise<ReloadResult>;
  /** /metrics: every worker's registry, aggregated by the primary. */
  machineMetrics(): Promise<{ contentType: string; text: string }>;
  /** Doors the primary listens on (least_connections): their connections are handed to `attach`ed listeners. */
  readonly doors: BoundDoors | undefined;
  attach(door: DoorName, listener: DoorListener): void;
}

/** Environment the primary sets on each worker it forks. */
export const WORKER_INDEX_ENV = 'SKS5_WORKER_INDEX';
