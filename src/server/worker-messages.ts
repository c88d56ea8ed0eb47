/**
 * Messages between the primary of `[server] workers` and its workers, besides the store's
 * (cluster/worker-store.ts) and prom-client's scrape requests. Every message carries `sks5` so the
 * three kinds never mix on the one IPC channel.
 */
import type { ReloadResult } from '../api/port.js';
import type { Config } from '../config/schema.js';
import type { BoundDoors, DoorName } from './primary-doors.js';

export type ToWorker =
  /** `doors`: bound by the primary (least_connections): the worker listens on none of them and is handed their connections. */
  | { sks5: 'start'; index: number; count: number; config: Config; configPath: string | undefined; primaryHoldsLock: boolean; doors?: BoundDoors }
  /** Sent with an accepted socket as the handle. */
  | { sks5: 'conn'; door: DoorName }
  /** Validate and apply `config`, or (when `errors`) record a reload the primary refused. */
  | { sks5: 'apply-config'; id: number; config?: Config; errors?: string[] }
  | { sks5: 'reload-result'; id: number; result: ReloadResult }
  | { sks5: 'metrics-result'; id: number; ok: boolean; contentType: string; text: string }
  | { sks5: 'toggle-maintenance' }
  | { sks5: 'shutdown'; reason: string };

export type ToPrimary =
  /** The worker listens for messages now ('online' comes before its code has loaded). */
  | { sks5: 'hello' }
  | { sks5: 'ready'; index: number; addresses: Record<string, string> }
  | { sks5: 'applied'; id: number; result: ReloadResult }
  | { sks5: 'reload-request'; id: number }
  | { sks5: 'metrics-request'; id: number }
  /** Handed-over connections that closed since the last report. */
  | { sks5: 'conns-closed'; n: number };

export function isMessage<T extends { sks5: string }>(m: unknown, kind: T['sks5']): m is Extract<T, { sks5: typeof kind }> {
  return typeof m === 'object' && m !== null && (m as { sks5?: unknown }).sks5 === kind;
}
