/**
 * `[server] workers = N`: this process becomes the primary. It serves no connection itself; it
 * forks N workers (node:cluster, so they share the SSH, SOCKS5 and HTTP listeners), holds the data
 * directory lock and the shared store (cluster/worker-store.ts) for them, replaces a worker that
 * dies (with backoff, leaving the others' tunnels alone), coordinates reloads all-or-nothing,
 * aggregates /metrics, and on SIGTERM drains every worker within `shutdown_timeout`.
 *
 * Why the primary holds the state (and not Redis): workers on one machine must need no extra
 * service. The workers run the same cluster sync as nodes on Redis, against the primary's memory
 * store, so every limit, ban, quota, session list and operator action behaves as with one process
 * or several nodes, with one code path (docs/cluster.md).
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ReloadResult } from '../api/port.js';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/schema.js';
import { StoreHost, type WorkerEndpoint } from '../cluster/worker-store.js';
import { machineMetrics } from '../observe/metrics-workers.js';
import { loadOrCreateHostKey } from '../ssh/host-keys.js';
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from '../store/lock.js';
import { resolveDataDir } from '../store/state.js';
import { systemClock } from '../clock.js';
import type { ToPrimary, ToWorker } from './worker-messages.js';
import { WORKER_INDEX_ENV } from './worker-role.js';
import { Balancer } from './balancer.js';
import { listenDoors, type DoorName, type PrimaryDoors } from './primary-doors.js';
import type { Socket } from 'node:net';

/** First restart delay after a crash; doubles per crash in a row, capped. */
export const RESTART_BACKOFF_MS = 100;
export const MAX_RESTART_BACKOFF_MS = 10_000;
/** A worker that lived this long resets the backoff: it was not crash-looping. */
const STABLE_MS = 30_000;
/** Grace beyond `shutdown_timeout` before a worker that has not exited is killed. */
const SHUTDOWN_GRACE_MS = 5000;

/** `workers` as a count: "auto" is one per core. */
export function workerCount(config: Config, cores = availableParallelism()): number {
  const w = config.server.workers;
  return w === 'auto' ? Math.max(1, cores) : (w ?? 1);
}

/** Restart delay after `crashes` crashes in a row (1 = the first). */
export function restartDelay(crashes: number): number {
  return Math.min(RESTART_BACKOFF_MS * 2 ** Math.max(0, crashes - 1), MAX_RESTART_BACKOFF_MS);
}

export interface PrimaryOptions {
  config: Config;
  configPath: string | undefined;
  count: number;
  log: Logger;
  reloadConfig: (() => Config) | undefined;
  onListening?: ((addresses: Record<string, string>) => void) | undefined;
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  startedAt: number;
  crashes: number;
  ready: boolean;
  /** A worker of this slot has been ready once: a later failure is a crash, not a refused start. */
  servedOnce: boolean;
  timer: NodeJS.Timeout | undefined;
}

export async function runPrimary(opts: PrimaryOptions): Promise<void> {
  const { log, count } = opts;
  let current = opts.config;
  // Before any worker: one host key for all of them (each would otherwise generate its own).
  const hostKey = loadOrCreateHostKey(current.server.host_key_path);
  if (hostKey.warning) log.warn(hostKey.warning);
  if (hostKey.generated) log.info({ fingerprint: hostKey.fingerprint, path: current.server.host_key_path }, 'generated a new Ed25519 host key');
  let lock: DataDirLock | undefined;
  const p = current.persistence;
  if (p.state.enabled || p.userdata.enabled) {
    const dir = resolveDataDir(current);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      lock = acquireDataDirLock(dir);
    } catch (err) {
      if (err instanceof DataDirLockedError) {
        log.fatal(`cannot start: ${err.message}`);
        process.exitCode = 1;
        return;
      }
      // Unwritable: each worker finds the same and runs on memory, as one process would.
    }
  }
  const host = new StoreHost(systemClock);
  const balancer = new Balancer();
  let doors: PrimaryDoors | undefined;
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ index: i + 1, worker: undefined, startedAt: 0, crashes: 0, ready: false, servedOnce: false, timer: undefined }));
  let stopping = false;
  let stopAll: (reason: string) => void = () => undefined;
  let announced = false;
  let nextId = 1;
  const waiting = new Map<number, (result: ReloadResult) => void>();

  // A send to a worker that is exiting fails; with a callback the failure is the callback's, not an
  // 'error' event on the Worker, which (unheard) would end the primary with exit code 1 mid-drain.
  const ignore = (): void => undefined;
  const endpoint = (w: Worker): WorkerEndpoint => ({ id: w.id, send: (m) => (w.isConnected() ? w.send(m, undefined, undefined, ignore) : false), isConnected: () => w.isConnected() });
  const send = (w: Worker | undefined, m: ToWorker): void => {
    if (w?.isConnected()) {
      try { w.send(m, undefined, undefined, ignore); } catch { /* it is exiting; its exit handler takes over */ }
    }
  };
  const live = (): Slot[] => slots.filter((s) => s.worker?.isConnected() && s.ready);

  const apply = (slot: Slot, m: { config?: Config; errors?: string[] }): Promise<ReloadResult> => new Promise((resolve) => {
    const id = nextId++;
    const timer = setTimeout(() => { waiting.delete(id); resolve({ ok: false, errors: [`worker ${slot.index} did not answer the reload`] }); }, 30_000);
    waiting.set(id, (r) => { clearTimeout(timer); resolve(r); });
    send(slot.worker, { sks5: 'apply-config', id, ...m });
  });

  let reloading: Promise<ReloadResult> = Promise.resolve({ ok: true, users_count: 0 });
  /** SIGHUP and POST /api/reload: validated here once, then every worker swaps, or none keeps the new one. */
  const reloadAll = (): Promise<ReloadResult> => {
    reloading = reloading.then(async () => {
      const lead = slots[0]!;
      if (!opts.reloadConfig) return { ok: false, errors: ['no config file to reload (started without one)'] };
      let next: Config;
      try {
        next = opts.reloadConfig();
      } catch (err) {
        const errors = err instanceof ConfigError ? [...err.issues] : [(err as Error).message];
        // The lead logs and counts the refusal as one process would (one line, one event).
        return apply(lead, { errors });
      }
      const targets = live();
      const results = await Promise.all(targets.map((s) => apply(s, { config: next })));
      const failed = results.find((r) => !r.ok);
      if (!failed) {
        current = next;
        return results[0] ?? { ok: true, users_count: 0 };
      }
      // A worker refused what the others took (say, a file it could not read): put them back.
      await Promise.all(targets.filter((_, i) => results[i]!.ok).map((s) => apply(s, { config: current })));
      log.error({ errors: failed.ok ? [] : failed.errors }, 'reload refused by a worker; every worker keeps the previous configuration');
      return failed;
    });
    return reloading;
  };

  const fork = (slot: Slot): void => {
    slot.timer = undefined;
    if (stopping) return;
    const w = cluster.fork({ [WORKER_INDEX_ENV]: String(slot.index) });
    slot.worker = w;
    // An IPC failure of one worker is its exit handler's business, never the primary's end.
    w.on('error', (err: Error) => log.warn({ worker: slot.index }, `worker ${slot.index} IPC: ${err.message}`));
    slot.startedAt = Date.now();
    slot.ready = false;
    w.on('message', (m: unknown) => {
      if (host.handle(endpoint(w), m)) return;
      if (typeof m !== 'object' || m === null) return;
      const msg = m as ToPrimary;
      switch (msg.sks5) {
        case 'hello':
          send(w, { sks5: 'start', index: slot.index, count, config: current, configPath: opts.configPath, primaryHoldsLock: lock !== undefined, ...(doors ? { doors: doors.bound } : {}) });
          break;
        case 'ready':
          slot.ready = true;
          slot.servedOnce = true;
          log.info({ worker: slot.index, pid: w.process.pid }, `worker ${slot.index} ready (pid ${w.process.pid})`);
          if (slot.index === 1 && !announced) {
            announced = true;
            opts.onListening?.(msg.addresses);
          }
          if (live().length === count) log.info({ workers: count }, `all ${count} workers ready`);
          break;
        case 'applied':
          waiting.get(msg.id)?.(msg.result);
          waiting.delete(msg.id);
          break;
        case 'reload-request':
          void reloadAll().then((result) => send(w, { sks5: 'reload-result', id: msg.id, result }));
          break;
        case 'conns-closed':
          balancer.closed(slot.index, msg.n);
          break;
        case 'metrics-request':
          machineMetrics().then(
            (r) => send(w, { sks5: 'metrics-result', id: msg.id, ok: true, ...r }),
            (err: Error) => send(w, { sks5: 'metrics-result', id: msg.id, ok: false, contentType: 'text/plain', text: `# metrics unavailable: ${err.message}\n` }),
          );
          break;
        default:
          break;
      }
    });
    w.on('exit', (code, signal) => {
      host.forget(w.id);
      if (slot.worker !== w) return;
      balancer.forget(slot.index);
      slot.worker = undefined;
      slot.ready = false;
      if (stopping) return;
      // A slot's first worker failing before it was ready means the configuration or the machine
      // refuses (a port taken, a key unreadable; worker 1 alone binds the API): stop and exit 1 as
      // one process would, rather than restart forever while a service manager reports it running.
      if (!slot.servedOnce) {
        log.fatal({ worker: slot.index, code, signal }, `worker ${slot.index} could not start; stopping (see its error above)`);
        process.exitCode = 1;
        stopAll('start-up failed');
        return;
      }
      slot.crashes = Date.now() - slot.startedAt >= STABLE_MS ? 1 : slot.crashes + 1;
      const delay = restartDelay(slot.crashes);
      log.error({ worker: slot.index, code, signal, restart_in_ms: delay }, `worker ${slot.index} exited (${signal ?? `code ${code}`}); starting a new one in ${delay} ms`);
      slot.timer = setTimeout(() => fork(slot), delay);
    });
  };

  /** least_connections: an accepted socket goes to the ready worker with the fewest open connections. */
  const handOver = (door: DoorName, socket: Socket): void => {
    const ready = live();
    const index = balancer.pick(ready.map((s) => s.index));
    const w = index === undefined ? undefined : slots[index - 1]?.worker;
    if (index === undefined || !w) { socket.destroy(); return; }
    balancer.handed(index);
    try {
      w.send({ sks5: 'conn', door } satisfies ToWorker, socket, (err) => {
        if (err) { balancer.closed(index, 1); socket.destroy(); }
      });
    } catch {
      balancer.closed(index, 1);
      socket.destroy();
    }
  };
  if (current.server.worker_distribution === 'least_connections') {
    try {
      doors = await listenDoors(current, handOver, (door, err) => log.error({ door }, `${door} listener: ${err.message}`));
    } catch (err) {
      log.fatal(`cannot start: ${(err as Error).message}`);
      process.exitCode = 1;
      host.close();
      lock?.release();
      log.flush?.();
      return;
    }
  }

  // Who accepts the doors the primary does not hold: node:cluster's round robin hands each socket
  // over; "kernel" gives every worker the listening socket, and whichever is waiting accepts.
  // (Set before the first fork: node:cluster reads it once.)
  cluster.schedulingPolicy = current.server.worker_distribution === 'kernel' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  log.info({ workers: count, distribution: current.server.worker_distribution }, `starting ${count} worker processes`);
  for (const slot of slots) fork(slot);

  await new Promise<void>((resolve) => {
    const shutdown = (sig: string): void => {
      if (stopping) {
        log.warn(`${sig} again: stopping the workers now`);
        for (const s of slots) s.worker?.process.kill('SIGKILL');
        return;
      }
      stopping = true;
      doors?.close();
      log.info({ reason: sig }, `shutting down ${count} workers: no new connections`);
      for (const s of slots) { if (s.timer) clearTimeout(s.timer); send(s.worker, { sks5: 'shutdown', reason: sig }); }
      const grace = setTimeout(() => {
        for (const s of slots) {
          if (s.worker && s.worker.process.exitCode === null) {
            log.warn({ worker: s.index }, `worker ${s.index} did not stop within shutdown_timeout; killing it`);
            s.worker.process.kill('SIGKILL');
          }
        }
      }, current.server.shutdown_timeout * 1000 + SHUTDOWN_GRACE_MS);
      const onExit = (): void => { setImmediate(check); };
      const check = (): void => {
        if (slots.some((s) => s.worker !== undefined)) return;
        clearTimeout(grace);
        cluster.off('exit', onExit);
        resolve();
      };
      cluster.on('exit', onExit);
      check();
    };
    stopAll = shutdown;
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGHUP', () => { void reloadAll(); });
    process.on('SIGUSR1', () => send(slots[0]!.worker, { sks5: 'toggle-maintenance' }));
  });
  host.close();
  lock?.release();
  log.info('shutdown complete');
  log.flush?.();
}
