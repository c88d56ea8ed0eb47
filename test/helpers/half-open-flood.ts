/**
 * A half-open handshake flood for e2e tests: `count` TCP connections spread over several loopback
 * source addresses (localAddress), each sending a few bytes of a handshake and then nothing. A
 * connection the server closes is reopened after `reconnectDelayMs`, as a real flooder would, so the
 * pressure lasts while the test measures. Bounded in count (`maxAttempts` connects in all, at most
 * `concurrency` connects pending at once) and in time (`stop()`), and `stop()` destroys every socket
 * and waits for each to close.
 */
import { connect, type Socket } from 'node:net';

export interface FloodOptions {
  readonly host: string;
  readonly port: number;
  readonly sources: readonly string[];
  /** Connections kept in flight, spread evenly over `sources`. */
  readonly count: number;
  /** Written once connected; then the connection stalls. */
  readonly payload: Buffer;
  readonly reconnectDelayMs: number;
  /** Connect attempts in all, reconnects included. */
  readonly maxAttempts: number;
  /** Connects pending at once, so the listen backlog is not the thing under test. */
  readonly concurrency: number;
}

export interface Flood {
  /** Resolves once each of the `count` first connects has succeeded or failed. */
  readonly ramped: Promise<void>;
  /** Connections open now (connected, not closed by either side). */
  held(): number;
  attempts(): number;
  /** Connections the server closed (or reset) while the flood was running. */
  closedByServer(): number;
  stop(): Promise<void>;
}

export function startFlood(o: FloodOptions): Flood {
  const live = new Set<Socket>();
  const open = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const queue: string[] = [];
  let pending = 0;
  let attempts = 0;
  let closed = 0;
  let firstDone = 0;
  let stopping = false;
  let rampedResolve: () => void = () => {};
  const ramped = new Promise<void>((r) => { rampedResolve = r; });

  const pump = (): void => {
    while (!stopping && pending < o.concurrency && queue.length > 0 && attempts < o.maxAttempts) {
      const source = queue.shift() as string;
      attempts++;
      pending++;
      const first = attempts <= o.count;
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        pending--;
        if (first && ++firstDone === o.count) rampedResolve();
        pump();
      };
      const s = connect({ host: o.host, port: o.port, localAddress: source });
      live.add(s);
      s.on('error', () => { /* a reset by the server is the expected end; reported through close */ });
      s.once('connect', () => {
        open.add(s);
        s.write(o.payload);
        settle();
      });
      s.once('close', () => {
        live.delete(s);
        open.delete(s);
        settle();
        if (stopping) return;
        closed++;
        const t = setTimeout(() => { timers.delete(t); queue.push(source); pump(); }, o.reconnectDelayMs);
        timers.add(t);
      });
    }
  };

  for (let i = 0; i < o.count; i++) queue.push(o.sources[i % o.sources.length] as string);
  pump();

  return {
    ramped,
    held: () => open.size,
    attempts: () => attempts,
    closedByServer: () => closed,
    async stop() {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const all = [...live];
      await Promise.all(all.map((s) => new Promise<void>((r) => {
        if (s.destroyed && s.closed) return r();
        s.once('close', () => r());
        s.destroy();
      })));
    },
  };
}

/** The soft fd limit of this process (`ulimit -n` of the shell that runs the test). */
export async function softFdLimit(): Promise<number> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', 'ulimit -n'], (err, out) => {
      if (err) return reject(err);
      const text = out.trim();
      resolve(text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text));
    });
  });
}
