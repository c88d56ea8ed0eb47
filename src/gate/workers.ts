/**
 * `serve -workers N`: N processes (node:cluster) accept on the same routes, the primary spreads
 * connections between them (round-robin) and holds what must be exact for the whole machine: the
 * global connection cap and the per-source rate. A worker asks for admission per connection over
 * IPC (one round trip, tens of microseconds on loopback IPC) and gives the slot back when the
 * connection closes; a worker that dies has its slots released and is replaced with backoff.
 *
 * The fingerprint store is the SQLite file every worker opens: SQLite serialises the writers, and
 * each worker reads the status live on every connection, so an approval is seen by all at once.
 * The primary alone prunes it and shares it through Redis. Log lines go through the primary, so
 * lines of different workers never interleave within a line.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Admit, Admitted } from './gate.js';

/** A worker restarted more often than this within RESTART_WINDOW_MS waits longer each time. */
const MIN_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 5000;
const RESTART_WINDOW_MS = 30_000;

type FromWorker =
  | { readonly gate: 'admit'; readonly id: number; readonly ip: string }
  | { readonly gate: 'release'; readonly id: number }
  | { readonly gate: 'log'; readonly text: string }
  /** `ports`: where each route listens, in route order (port 0 in the flags: the kernel's pick, shared by all workers). */
  | { readonly gate: 'listening'; readonly ports: readonly number[] }
  | { readonly gate: 'seen'; readonly fp: string }
  | { readonly gate: 'drained'; readonly ok: boolean };

type ToWorker =
  | { readonly gate: 'verdict'; readonly id: number; readonly verdict: Admitted['verdict'] }
  | { readonly gate: 'drain'; readonly graceMs: number };

function isGateMessage(m: unknown): m is { gate: string } {
  return typeof m === 'object' && m !== null && typeof (m as { gate?: unknown }).gate === 'string';
}

export interface PoolOptions {
  readonly count: number;
  /** The machine's admission (the primary's own counters). */
  readonly admit: Admit;
  /** Text a worker logged (whole lines, already stamped). */
  readonly write: (text: string) => void;
  /** A line of the primary's own. */
  readonly log: (line: string) => void;
  /** A worker recorded a fingerprint for the first time (for Redis). */
  readonly onSeen?: (fp: string) => void;
}

interface Member { readonly worker: Worker; readonly slots: Map<number, () => void>; listening: boolean }

/** The primary's side. */
export class WorkerPool {
  readonly #o: PoolOptions;
  readonly #members = new Map<number, Member>();
  readonly #restarts: number[] = [];
  #draining = false;
  #ready: ((ports: readonly number[]) => void) | undefined;
  #failed: ((err: Error) => void) | undefined;

  constructor(opts: PoolOptions) { this.#o = opts; }

  get size(): number { return this.#members.size; }

  /** Forks every worker; resolves with the routes' ports once all listen, rejects if one exits before it does. */
  start(): Promise<readonly number[]> {
    const ready = new Promise<readonly number[]>((resolve, reject) => { this.#ready = resolve; this.#failed = reject; });
    for (let i = 0; i < this.#o.count; i++) this.#fork();
    return ready;
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
    const member: Member = { worker, slots: new Map(), listening: false };
    this.#members.set(worker.id, member);
    worker.on('message', (msg: unknown) => { if (isGateMessage(msg)) this.#onMessage(member, msg as FromWorker); });
    worker.once('exit', (code, signal) => this.#onExit(member, code, signal));
  }

  #onMessage(m: Member, msg: FromWorker): void {
    switch (msg.gate) {
      case 'admit': {
        const a = this.#o.admit(msg.ip);
        // The primary's admission is local and synchronous; a promise here would be a wiring error.
        if (a instanceof Promise) throw new Error('worker pool needs a synchronous admission');
        if (a.verdict !== 'overload') m.slots.set(msg.id, a.release);
        this.#send(m.worker, { gate: 'verdict', id: msg.id, verdict: a.verdict });
        break;
      }
      case 'release': {
        const release = m.slots.get(msg.id);
        m.slots.delete(msg.id);
        release?.();
        break;
      }
      case 'log':
        this.#o.write(msg.text);
        break;
      case 'seen':
        this.#o.onSeen?.(msg.fp);
        break;
      case 'listening':
        m.listening = true;
        if ([...this.#members.values()].every((x) => x.listening)) this.#ready?.(msg.ports);
        break;
      case 'drained':
        break;
    }
  }

  #onExit(m: Member, code: number | null, signal: string | null): void {
    this.#members.delete(m.worker.id);
    // Its connections are gone with it: their slots must not stay taken.
    for (const release of m.slots.values()) release();
    m.slots.clear();
    if (this.#draining) return;
    const how = signal ? `signal ${signal}` : `code ${code ?? 0}`;
    if (!m.listening && this.#failed) {
      this.#failed(new Error(`worker ${m.worker.process.pid ?? '?'} exited before listening (${how})`));
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

/** A worker's side: admission, log lines and first sightings go to the primary. */
export class PrimaryLink {
  readonly #pending = new Map<number, (a: Admitted) => void>();
  #next = 0;
  #drain: ((graceMs: number) => void) | undefined;
  readonly drainRequested: Promise<number>;

  constructor() {
    this.drainRequested = new Promise((r) => { this.#drain = r; });
    process.on('message', (msg: unknown) => {
      if (!isGateMessage(msg)) return;
      const m = msg as ToWorker;
      if (m.gate === 'verdict') {
        const resolve = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        resolve?.({ verdict: m.verdict, release: m.verdict === 'overload' ? () => undefined : this.#releaser(m.id) });
      } else if (m.gate === 'drain') {
        this.#drain?.(m.graceMs);
      }
    });
    // The primary gone (killed): this worker's counts would be nobody's; stop rather than serve unlimited.
    process.on('disconnect', () => process.exit(1));
  }

  readonly admit: Admit = (ip) => new Promise<Admitted>((resolve) => {
    const id = ++this.#next;
    this.#pending.set(id, resolve);
    this.#send({ gate: 'admit', id, ip });
  });

  log(text: string): void { this.#send({ gate: 'log', text }); }
  listening(ports: readonly number[]): void { this.#send({ gate: 'listening', ports }); }
  seen(fp: string): void { this.#send({ gate: 'seen', fp }); }
  /** The last message: resolves once it has left (process.exit would drop a message still queued). */
  drained(ok: boolean): Promise<void> {
    return new Promise((resolve) => {
      if (!process.connected || !process.send) { resolve(); return; }
      process.send({ gate: 'drained', ok } satisfies FromWorker, undefined, {}, () => resolve());
    });
  }

  #releaser(id: number): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#send({ gate: 'release', id });
    };
  }

  #send(msg: FromWorker): void {
    if (process.connected) process.send?.(msg);
  }
}

export function isWorkerProcess(): boolean {
  return cluster.isWorker;
}
