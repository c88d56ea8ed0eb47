/**
 * The store port between `[server] workers` and their primary, over Node's cluster IPC channel:
 * the primary holds a MemoryStore and relays the state channel; each worker is a cluster node whose
 * link is this channel instead of Redis. A worker never waits on the primary on its hot path (the
 * sync code batches as it does for Redis); a request not answered within REQUEST_TIMEOUT_MS fails,
 * which the sync code treats like a Redis error (the batch is kept and merged later).
 */
import type { Clock } from '../clock.js';
import { MemoryStore } from './memory-store.js';
import { storeCommands, type StoreBackend, type StoreLink, type StoreLinkOptions, type StoreOp } from './store.js';

export const REQUEST_TIMEOUT_MS = 5000;
/** How often the primary drops expired keys. */
const SWEEP_MS = 10_000;

/** Worker -> primary. */
export type StoreRequest =
  | { sks5: 'store'; id: number; ops: StoreOp[] }
  | { sks5: 'store-scan'; id: number; cursor: string; pattern: string; count: number }
  | { sks5: 'store-subscribe'; channel: string };

/** Primary -> worker. */
export type StoreReply =
  | { sks5: 'store-reply'; id: number; ok: true; replies: unknown[] }
  | { sks5: 'store-scan-reply'; id: number; ok: true; cursor: string; keys: string[] }
  | { sks5: 'store-reply' | 'store-scan-reply'; id: number; ok: false; error: string }
  | { sks5: 'store-message'; channel: string; message: string };

/** The worker's end of the IPC channel (`process` in a cluster worker). */
export interface IpcEndpoint {
  send(message: StoreRequest): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  readonly connected: boolean;
}

function isReply(m: unknown): m is StoreReply {
  return typeof m === 'object' && m !== null && typeof (m as { sks5?: unknown }).sks5 === 'string' && (m as { sks5: string }).sks5.startsWith('store-');
}

/** A worker's link to the primary's store. */
export function openWorkerStoreLink(ipc: IpcEndpoint, opts: StoreLinkOptions): StoreLink {
  let nextId = 1;
  let up = false;
  let closed = false;
  const pending = new Map<number, { resolve(v: StoreReply): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  const request = (build: (id: number) => StoreRequest): Promise<StoreReply> => new Promise((resolve, reject) => {
    if (!up) { reject(new Error('primary process unavailable')); return; }
    const id = nextId++;
    const timer = setTimeout(() => { pending.delete(id); reject(new Error('primary process did not answer')); }, REQUEST_TIMEOUT_MS);
    timer.unref();
    pending.set(id, { resolve, reject, timer });
    try {
      ipc.send(build(id));
    } catch (err) {
      clearTimeout(timer);
      pending.delete(id);
      reject(err as Error);
    }
  });
  const onMessage = (m: unknown): void => {
    if (!isReply(m)) return;
    if (m.sks5 === 'store-message') {
      if (m.channel === opts.channel) opts.onMessage(m.message);
      return;
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m);
    else p.reject(new Error(m.error));
  };
  ipc.on('message', onMessage);
  ipc.on('disconnect', () => {
    if (closed || !up) return;
    up = false;
    for (const [, p] of pending) { clearTimeout(p.timer); p.reject(new Error('primary process gone')); }
    pending.clear();
    opts.onDown('primary process gone');
  });
  const backend: StoreBackend = {
    async execute(ops) {
      const r = await request((id) => ({ sks5: 'store', id, ops: [...ops] }));
      return r.sks5 === 'store-reply' && r.ok ? r.replies : [];
    },
    async scan(cursor, pattern, count) {
      const r = await request((id) => ({ sks5: 'store-scan', id, cursor, pattern, count }));
      return r.sks5 === 'store-scan-reply' && r.ok ? { cursor: r.cursor, keys: r.keys } : { cursor: '0', keys: [] };
    },
  };
  if (ipc.connected) {
    ipc.send({ sks5: 'store-subscribe', channel: opts.channel });
    up = true;
    // After the caller has its link in hand, as Redis' 'ready' would arrive.
    setImmediate(() => { if (!closed && up) opts.onUp(); });
  } else {
    setImmediate(() => opts.onDown('no primary process'));
  }
  return {
    client: storeCommands(backend),
    target: 'primary process',
    get up() { return up; },
    async close() {
      closed = true;
      up = false;
      ipc.off('message', onMessage);
      for (const [, p] of pending) { clearTimeout(p.timer); p.reject(new Error('closed')); }
      pending.clear();
    },
  };
}

/** A worker as the primary sees it (cluster.Worker). */
export interface WorkerEndpoint {
  readonly id: number;
  send(message: StoreReply): boolean;
  isConnected(): boolean;
}

/** The primary's end: one store for every worker, and the channel fan-out. */
export class StoreHost {
  readonly store: MemoryStore;
  readonly #subscribers = new Map<number, { worker: WorkerEndpoint; channels: Set<string> }>();
  readonly #sweep: NodeJS.Timeout;

  constructor(clock: Clock) {
    this.store = new MemoryStore(clock, (channel, message) => this.#publish(channel, message));
    this.#sweep = setInterval(() => this.store.sweep(), SWEEP_MS);
    this.#sweep.unref();
  }

  /** Handle one message from a worker; false when it is not a store request. */
  handle(worker: WorkerEndpoint, m: unknown): boolean {
    if (typeof m !== 'object' || m === null) return false;
    const r = m as StoreRequest;
    switch (r.sks5) {
      case 'store-subscribe': {
        const entry = this.#subscribers.get(worker.id) ?? { worker, channels: new Set<string>() };
        entry.worker = worker;
        entry.channels.add(String(r.channel));
        this.#subscribers.set(worker.id, entry);
        return true;
      }
      case 'store': {
        let reply: StoreReply;
        try {
          if (!Array.isArray(r.ops)) throw new Error('ops must be a list');
          reply = { sks5: 'store-reply', id: r.id, ok: true, replies: this.store.run(r.ops) };
        } catch (err) {
          reply = { sks5: 'store-reply', id: r.id, ok: false, error: (err as Error).message };
        }
        this.#send(worker, reply);
        return true;
      }
      case 'store-scan': {
        void this.store.scan(String(r.cursor), String(r.pattern), Number(r.count) || 100).then(
          (page) => this.#send(worker, { sks5: 'store-scan-reply', id: r.id, ok: true, ...page }),
          (err: Error) => this.#send(worker, { sks5: 'store-scan-reply', id: r.id, ok: false, error: err.message }),
        );
        return true;
      }
      default:
        return false;
    }
  }

  /** A worker exited: it no longer receives messages. */
  forget(workerId: number): void {
    this.#subscribers.delete(workerId);
  }

  close(): void {
    clearInterval(this.#sweep);
    this.#subscribers.clear();
  }

  #publish(channel: string, message: string): number {
    let n = 0;
    for (const { worker, channels } of this.#subscribers.values()) {
      if (!channels.has(channel)) continue;
      if (this.#send(worker, { sks5: 'store-message', channel, message })) n++;
    }
    return n;
  }

  #send(worker: WorkerEndpoint, m: StoreReply): boolean {
    if (!worker.isConnected()) return false;
    try {
      worker.send(m);
      return true;
    } catch {
      return false;
    }
  }
}
