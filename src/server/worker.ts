/**
 * One worker of `[server] workers`: waits for the primary's `start` (the validated config: workers
 * never re-read the file or the environment, whose secrets the primary has already scrubbed), runs
 * the server with its WorkerRole, and answers the primary's reloads and shutdown. Started by
 * src/server/primary.ts through node:cluster, so the listeners it opens are shared with its siblings.
 */
import { ConfigError } from '../config/config-error.js';
import { createLogger } from '../observe/log.js';
import type { ReloadResult } from '../api/port.js';
import type { IpcEndpoint } from '../cluster/worker-store.js';
import { startServer, type RunningServer } from './start.js';
import { isMessage, type ToPrimary, type ToWorker } from './worker-messages.js';
import type { WorkerRole } from './worker-role.js';
import type { DoorListener } from '../pipeline/types.js';
import { ClosedCounter } from './balancer.js';
import type { DoorName } from './primary-doors.js';
import type { Socket } from 'node:net';

const ASK_TIMEOUT_MS = 30_000;

export async function runWorker(): Promise<void> {
  // With a callback, a channel that closed meanwhile is not an 'error' event that would end the worker.
  const send = (m: ToPrimary): void => { if (process.connected) process.send!(m, undefined, undefined, () => undefined); };
  // Told to stop (or orphaned) before the server is up: nothing to drain.
  const quit = (): void => process.exit(0);
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
  process.on('disconnect', quit);
  const start = await new Promise<Extract<ToWorker, { sks5: 'start' }>>((resolve) => {
    const on = (m: unknown): void => {
      if (isMessage<ToWorker>(m, 'shutdown')) quit();
      if (!isMessage<ToWorker>(m, 'start')) return;
      process.off('message', on);
      resolve(m as Extract<ToWorker, { sks5: 'start' }>);
    };
    process.on('message', on);
    send({ sks5: 'hello' });
  });
  const { config, index, count } = start;
  const log = createLogger({ level: config.logging.level, format: config.logging.format }).child({ worker: index });

  let nextId = 1;
  const waiting = new Map<number, (m: ToWorker) => void>();
  const ask = <R>(build: (id: number) => ToPrimary, read: (m: ToWorker) => R, fallback: R): Promise<R> => new Promise((resolve) => {
    const id = nextId++;
    const timer = setTimeout(() => { waiting.delete(id); resolve(fallback); }, ASK_TIMEOUT_MS);
    waiting.set(id, (m) => { clearTimeout(timer); resolve(read(m)); });
    send(build(id));
  });
  // Connections the primary hands over (least_connections), by door; each close is reported, in batches.
  const attached = new Map<DoorName, DoorListener>();
  const closedConns = new ClosedCounter((n) => send({ sks5: 'conns-closed', n }));
  process.on('message', (m: unknown, handle: unknown) => {
    if (!isMessage<ToWorker>(m, 'conn')) return;
    const socket = handle as Socket | undefined;
    if (!socket) return;
    socket.once('close', () => closedConns.closed());
    const l = attached.get((m as Extract<ToWorker, { sks5: 'conn' }>).door);
    if (l) l.inject(socket);
    else socket.destroy();
  });
  const role: WorkerRole = {
    doors: start.doors,
    attach: (door, listener) => { attached.set(door, listener); },
    index, count, lead: index === 1, primaryPid: start.primaryHoldsLock ? process.ppid : undefined,
    ipc: process as unknown as IpcEndpoint,
    reloadAll: () => ask<ReloadResult>((id) => ({ sks5: 'reload-request', id }), (m) => (m.sks5 === 'reload-result' ? m.result : { ok: false, errors: ['unexpected reply'] }), { ok: false, errors: ['the primary process did not answer'] }),
    machineMetrics: () => ask((id) => ({ sks5: 'metrics-request', id }), (m) => (m.sks5 === 'metrics-result' ? { contentType: m.contentType, text: m.text } : { contentType: 'text/plain', text: '' }), { contentType: 'text/plain', text: '# the primary process did not answer\n' }),
  };

  let server: RunningServer;
  try {
    server = await startServer({ config, configPath: start.configPath, log, worker: role });
  } catch (err) {
    log.fatal(`worker ${index} cannot start: ${(err as Error).message}`);
    log.flush?.();
    process.exit(1);
  }
  send({ sks5: 'ready', index, addresses: { ...server.addresses } });
  process.off('SIGTERM', quit);
  process.off('SIGINT', quit);
  process.off('disconnect', quit);

  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    server.shutdown(reason).catch((err: unknown) => log.error(`shutdown error: ${(err as Error).message}`)).finally(() => {
      log.flush?.();
      process.exit(0);
    });
  };
  process.on('message', (m: unknown) => {
    if (typeof m !== 'object' || m === null) return;
    const msg = m as ToWorker;
    switch (msg.sks5) {
      case 'apply-config': {
        const errors = msg.errors;
        const next = msg.config;
        void server.applyConfig(() => { if (next) return next; throw new ConfigError('reload', errors ?? ['no configuration']); })
          .catch((err: unknown) => ({ ok: false as const, errors: [(err as Error).message] }))
          .then((result) => send({ sks5: 'applied', id: msg.id, result }));
        break;
      }
      case 'reload-result':
      case 'metrics-result':
        waiting.get(msg.id)?.(msg);
        waiting.delete(msg.id);
        break;
      case 'toggle-maintenance': {
        const on = !server.management.maintenance().enabled;
        server.management.setMaintenance(on, 'signal');
        log.warn(`SIGUSR1: maintenance mode ${on ? 'on' : 'off'}`);
        break;
      }
      case 'shutdown':
        stop(msg.reason);
        break;
      default:
        break;
    }
  });
  // systemd and a terminal signal the whole group: a worker drains on its own as the primary would tell it to.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Reloads and maintenance are the primary's to coordinate; a group-wide signal must not kill a worker.
  process.on('SIGHUP', () => undefined);
  process.on('SIGUSR1', () => undefined);
  // The primary gone (killed): no new connections can reach us; finish the tunnels and leave.
  process.on('disconnect', () => stop('primary process gone'));
}
