/**
 * `serve -workers N`: N processes (node:cluster) serve the connections of one primary. The primary
 * owns the listeners and the admission (the global connection cap and the per-source rate, exact
 * for the whole machine because they are counted in one place): a refused connection never leaves
 * it, and an admitted socket goes to the worker with the fewest open connections in one message
 * (`worker.send(msg, socket)`), its slot held by the primary until the worker says it closed.
 *
 * Why not node:cluster's own round-robin: it passes the handle, waits for the worker's answer, and
 * the worker then had to ask for admission and give the slot back: six or seven IPC messages per
 * connection, each a wakeup of one process or the other, and -workers 2 measured 0.79x one process
 * (0.80 vs 0.45 ms CPU per connection, 2026-12-03). Round-robin also ignores load: 4 simultaneous
 * clients were split 3/1 in about 30 % of trials. A worker's log lines, released slots and first
 * sightings leave in one message per event-loop turn (`PrimaryLink`), whatever the number of
 * connections in that turn.
 *
 * The fingerprint store is the SQLite file every worker opens: SQLite serialises the writers, and
 * each worker reads the status live on every connection, so an approval is seen by all at once.
 * The primary alone prunes it and shares it through Redis. Log lines go through the primary, so
 * lines of different workers never interleave within a line. A worker that dies has its slots
 * released and is replaced with backoff.
 */
import cluster, { type Worker } from 'node:cluster';
import { Socket } from 'node:net';
import type { HandOff } from './gate.js';

/** A worker restarted more often than this within RESTART_WINDOW_MS waits longer each time. */
const MIN_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 5000;
const RESTART_WINDOW_MS = 30_000;
/** A worker that does not answer a metrics scrape within this is left out of it. */
const METRICS_TIMEOUT_MS = 5000;
/** Pending log text at which a worker sends its batch before the end of the turn (a flood of lines). */
const MAX_BATCH_TEXT = 64 * 1024;

type FromWorker =
  /** The worker has its backends' banners in hand (or probing) and takes connections. */
  | { readonly gate: 'ready' }
  /** One turn's worth: log text (whole lines, stamped), slots to release, fingerprints recorded for the first time. */
  | { readonly gate: 'batch'; readonly text: string; readonly released: readonly number[]; readonly seen: readonly string[] }
  | { readonly gate: 'metrics'; readonly id: number; readonly json: readonly unknown[] }
  | { readonly gate: 'drained'; readonly ok: boolean };

type ToWorker =
  /** Sent with the socket. `route`: index in the routes; `id`: the slot, released by id. */
  | { readonly gate: 'conn'; readonly id: number; readonly route: number; readonly ip: string }
  | { readonly gate: 'metrics'; readonly id: number }
  | { readonly gate: 'drain'; readonly graceMs: number };

function isGateMessage(m: unknown): m is { gate: string } {
  return typeof m === 'object' && m !== null && typeof (m as { gate?: unknown }).gate === 'string';
}

/**
 * The index of the entry with the fewest open connections; ties go to the first at or after
 * `from` (rotating `from` spreads a sequential client over all workers). -1 when empty.
 */
export function leastLoaded(open: readonly number[], from: number): number {
  let best = -1;
  for (let k = 0; k < open.length; k++) {
    const i = (from + k) % open.length;
    if (best === -1 || (open[i] as number) < (open[best] as number)) best = i;
  }
  return best;
}

export interface PoolOptions {
  readonly count: number;
  /** Text a worker logged (whole lines, already stamped). */
  readonly write: (text: string) => void;
  /** A line of the primary's own. */
  readonly log: (line: string) => void;
  /** A worker recorded a fingerprint for the first time (for Redis). */
  readonly onSeen?: (fp: string) => void;
}

interface Member { readonly worker: Worker; readonly slots: Map<number, () => void>; ready: boolean }

/** The primary's side. */
export class WorkerPool {
  readonly #o: PoolOptions;
  readonly #members = new Map<number, Member>();
  readonly #restarts: number[] = [];
  readonly #scrapes = new Map<number, (json: readonly unknown[]) => void>();
  #nextSlot = 0;
  #nextScrape = 0;
  #turn = 0;
  #draining = false;
  #ready: (() => void) | undefined;
  #failed: ((err: Error) => void) | undefined;

  constructor(opts: PoolOptions) { this.#o = opts; }

  get size(): number { return this.#members.size; }

  /** Forks every worker; resolves once all are ready, rejects if one exits before it is. */
  start(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => { this.#ready = resolve; this.#failed = reject; });
    for (let i = 0; i < this.#o.count; i++) this.#fork();
    return ready;
  }

  /** Gives an admitted connection to the ready worker with the fewest open ones. */
  readonly handOff: HandOff = (socket, route, ip, release) => {
    const ready = [...this.#members.values()].filter((m) => m.ready && m.worker.isConnected());
    const m = ready[leastLoaded(ready.map((x) => x.slots.size), this.#turn++ % Math.max(ready.length, 1))];
    if (m === undefined) {
      // Every worker is down (crashed, restarting): nobody can serve it.
      this.#o.log(`[${ip}] WORKER none running; dropping connection`);
      socket.destroy();
      release();
      return;
    }
    const id = ++this.#nextSlot;
    m.slots.set(id, release);
    const msg: ToWorker = { gate: 'conn', id, route, ip };
    m.worker.send(msg, socket, (err: Error | null) => {
      if (err === null) return;
      this.#release(m, id);
      socket.destroy();
    });
  };

  /** Every connected worker's registry (prom-client JSON); a worker that does not answer in time is left out. */
  async scrape(): Promise<(readonly unknown[])[]> {
    const members = [...this.#members.values()].filter((m) => m.worker.isConnected());
    return (await Promise.all(members.map((m) => new Promise<readonly unknown[] | null>((resolve) => {
      const id = ++this.#nextScrape;
      const timer = setTimeout(() => { this.#scrapes.delete(id); resolve(null); }, METRICS_TIMEOUT_MS);
      this.#scrapes.set(id, (json) => { clearTimeout(timer); resolve(json); });
      this.#send(m.worker, { gate: 'metrics', id });
    })))).filter((j): j is readonly unknown[] => j !== null);
  }

  /** Asks every worker to drain within `graceMs`; true when all finished their connections in time. */
  async drain(graceMs: number): Promise<boolean> {
    this.#draining = true;
    const results = [...this.#members.values()].map((m) => new Promise<boolean>((resolve) => {
      let ok = false;
      m.worker.on('message', (msg: unknown) => { if (isGateMessage(msg) && msg.gate === 'drained') ok = (msg as unknown as { ok: boolean }).ok; });
      m.worker.once('exit', () => resolve(ok));
      // A worker that does not answer (stuck) is killed a little after the grace.
      setTimeout(() => { if (!m.worker.isDead()) m.worker.process.kill('SIGKILL'); }, graceMs + 2000).unref();
      this.#send(m.worker, { gate: 'drain', graceMs });
    }));
    return (await Promise.all(results)).every(Boolean);
  }

  #fork(): void {
    const worker = cluster.fork();
    const member: Member = { worker, slots: new Map(), ready: false };
    this.#members.set(worker.id, member);
    worker.on('message', (msg: unknown) => { if (isGateMessage(msg)) this.#onMessage(member, msg as FromWorker); });
    worker.once('exit', (code, signal) => this.#onExit(member, code, signal));
  }

  #onMessage(m: Member, msg: FromWorker): void {
    switch (msg.gate) {
      case 'batch':
        for (const id of msg.released) this.#release(m, id);
        if (msg.text !== '') this.#o.write(msg.text);
        for (const fp of msg.seen) this.#o.onSeen?.(fp);
        break;
      case 'metrics':
        this.#scrapes.get(msg.id)?.(msg.json);
        this.#scrapes.delete(msg.id);
        break;
      case 'ready':
        m.ready = true;
        if ([...this.#members.values()].every((x) => x.ready)) this.#ready?.();
        break;
      case 'drained':
        break;
    }
  }

  #release(m: Member, id: number): void {
    const release = m.slots.get(id);
    m.slots.delete(id);
    release?.();
  }

  #onExit(m: Member, code: number | null, signal: string | null): void {
    this.#members.delete(m.worker.id);
    // Its connections are gone with it: their slots must not stay taken.
    for (const release of m.slots.values()) release();
    m.slots.clear();
    if (this.#draining) return;
    const how = signal ? `signal ${signal}` : `code ${code ?? 0}`;
    if (!m.ready && this.#failed) {
      this.#failed(new Error(`worker ${m.worker.process.pid ?? '?'} exited before it was ready (${how})`));
      return;
    }
    const now = Date.now();
    while (this.#restarts.length > 0 && now - (this.#restarts[0] as number) > RESTART_WINDOW_MS) this.#restarts.shift();
    const delay = Math.min(MIN_RESTART_DELAY_MS * 2 ** this.#restarts.length, MAX_RESTART_DELAY_MS);
    this.#restarts.push(now);
    this.#o.log(`WORKER ${m.worker.process.pid ?? '?'} exited (${how}); starting another in ${delay}ms`);
    setTimeout(() => { if (!this.#draining) this.#fork(); }, delay).unref();
  }

  #send(worker: Worker, msg: ToWorker): void {
    if (worker.isConnected()) worker.send(msg);
  }
}

export interface LinkOptions {
  /** A connection the primary admitted: serve it, and call `release` once it is closed. */
  readonly onConnection: (socket: Socket, route: number, ip: string, release: () => void) => void;
  /** This worker's registry as prom-client JSON, for the primary's /metrics. */
  readonly metrics: () => Promise<readonly unknown[]>;
}

/** A worker's side: connections come from the primary; log lines, released slots and first sightings go back, batched per turn. */
export class PrimaryLink {
  #text = '';
  #released: number[] = [];
  #seen: string[] = [];
  #flushing: NodeJS.Immediate | null = null;
  #drain: ((graceMs: number) => void) | undefined;
  readonly drainRequested: Promise<number>;

  constructor(opts: LinkOptions) {
    this.drainRequested = new Promise((r) => { this.#drain = r; });
    process.on('message', (msg: unknown, handle: unknown) => {
      if (!isGateMessage(msg)) return;
      const m = msg as ToWorker;
      if (m.gate === 'conn') {
        if (!(handle instanceof Socket)) { this.#releaser(m.id)(); return; }
        // The socket node made for the passed handle does not know the listener's allowHalfOpen.
        handle.allowHalfOpen = true;
        opts.onConnection(handle, m.route, m.ip, this.#releaser(m.id));
      } else if (m.gate === 'metrics') {
        opts.metrics().then((json) => this.#send({ gate: 'metrics', id: m.id, json }), () => this.#send({ gate: 'metrics', id: m.id, json: [] }));
      } else if (m.gate === 'drain') {
        this.#drain?.(m.graceMs);
      }
    });
    // The primary gone (killed): this worker's counts would be nobody's; stop rather than serve unlimited.
    process.on('disconnect', () => process.exit(1));
  }

  log(text: string): void {
    this.#text += text;
    if (this.#text.length >= MAX_BATCH_TEXT) this.flush();
    else this.#schedule();
  }

  ready(): void { this.#send({ gate: 'ready' }); }
  seen(fp: string): void { this.#seen.push(fp); this.#schedule(); }

  /** Sends what is pending now (before exit). */
  flush(): void {
    if (this.#flushing !== null) { clearImmediate(this.#flushing); this.#flushing = null; }
    if (this.#text === '' && this.#released.length === 0 && this.#seen.length === 0) return;
    const msg: FromWorker = { gate: 'batch', text: this.#text, released: this.#released, seen: this.#seen };
    this.#text = '';
    this.#released = [];
    this.#seen = [];
    this.#send(msg);
  }

  /** The last message: resolves once it has left (process.exit would drop a message still queued). */
  drained(ok: boolean): Promise<void> {
    this.flush();
    return new Promise((resolve) => {
      if (!process.connected || !process.send) { resolve(); return; }
      process.send({ gate: 'drained', ok } satisfies FromWorker, undefined, {}, () => resolve());
    });
  }

  #schedule(): void {
    this.#flushing ??= setImmediate(() => { this.#flushing = null; this.flush(); });
  }

  #releaser(id: number): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#released.push(id);
      this.#schedule();
    };
  }

  #send(msg: FromWorker): void {
    if (process.connected) process.send?.(msg);
  }
}

export function isWorkerProcess(): boolean {
  return cluster.isWorker;
}
