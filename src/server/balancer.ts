/**
 * `[server] worker_distribution = "least_connections"` (the default with `workers`): the primary
 * holds the doors' listening sockets and hands each accepted connection to the ready worker with
 * the fewest open connections, ties taken in turn. node:cluster's round robin hands a worker the
 * next connection once it has acknowledged the last one, whatever it already carries: four SSH
 * users arriving together were split 3/1 between two workers in about a third of the trials
 * measured here, and the lone user got a core to itself while three shared the other.
 *
 * The counts are the primary's own: +1 when it hands a connection over, minus what the worker
 * reports closed (batched, see `ClosedCounter`). A worker that exits starts again from zero.
 */
export class Balancer {
  readonly #open = new Map<number, number>();
  #turn = 0;

  /** The worker index to hand the next connection to, among `ready`; undefined when none is. */
  pick(ready: readonly number[]): number | undefined {
    if (ready.length === 0) return undefined;
    let best: number | undefined;
    let bestOpen = Infinity;
    // Start the scan at the rotating turn so equal counts are taken in turn, not always the first.
    for (let i = 0; i < ready.length; i++) {
      const w = ready[(this.#turn + i) % ready.length]!;
      const n = this.#open.get(w) ?? 0;
      if (n < bestOpen) { best = w; bestOpen = n; }
    }
    this.#turn = (this.#turn + 1) % ready.length;
    return best;
  }

  handed(worker: number): void {
    this.#open.set(worker, (this.#open.get(worker) ?? 0) + 1);
  }

  closed(worker: number, n: number): void {
    this.#open.set(worker, Math.max(0, (this.#open.get(worker) ?? 0) - n));
  }

  /** The worker exited: its connections went with it. */
  forget(worker: number): void {
    this.#open.delete(worker);
  }

  open(worker: number): number {
    return this.#open.get(worker) ?? 0;
  }
}

/**
 * The worker's side: connections that closed since the last report, sent at most every
 * `intervalMs` (one IPC message per batch, not one per connection).
 */
export class ClosedCounter {
  #pending = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #send: (n: number) => void;
  readonly #intervalMs: number;

  constructor(send: (n: number) => void, intervalMs = 20) {
    this.#send = send;
    this.#intervalMs = intervalMs;
  }

  closed(): void {
    this.#pending++;
    this.#timer ??= setTimeout(() => this.flush(), this.#intervalMs);
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending === 0) return;
    const n = this.#pending;
    this.#pending = 0;
    this.#send(n);
  }
}
