/**
 * The sshgate listener: one TCP server per route, admission (global slot, per-source rate) at
 * accept time, then `handleConnection`. Lifecycle: `start` -> serve -> `drain` on SIGTERM.
 * With workers (workers.ts) the primary's Gate listens and admits, and hands each admitted socket
 * over (`handOff`); a worker's Gate has no listener and serves what it is given (`adopt`).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Clock } from '../clock.js';
import { BannerCache } from './backend.js';
import { DEFAULT_TIMEOUTS, handleConnection, type ConnectionContext, type GateStore, type GateTimeouts } from './connection.js';
import { noMetrics, type GateMetrics } from './metrics.js';
import { ConcurrencyLimit, DEFAULT_RATE_LIMIT, SourceRateLimiter, type RateLimitOptions } from './rate.js';
import { unmapIpv4Text } from '../policy/ip-address.js';
import type { Route } from './routes.js';

export const MAX_CONCURRENT_CONNECTIONS = 1024;
const SWEEP_EVERY_MS = 60_000;

/** The admission verdict for one connection; `release` frees its slot (called once, on close). */
export interface Admitted { readonly verdict: 'ok' | 'overload' | 'ratelimit'; release(): void }

/**
 * Admission: the global slot, then the per-source rate (the original's order: a rate-limited
 * connection held a slot until it closed). With workers only the primary admits, at accept, so
 * the counts are the machine's, not a worker's.
 */
export type Admit = (ip: string) => Admitted;

const NOTHING = (): void => undefined;

/**
 * Takes an admitted connection elsewhere (the primary gives it to a worker). `route` is the
 * index in `routes`; `release` frees the slot and must be called once the connection is over.
 */
export type HandOff = (socket: Socket, route: number, ip: string, release: () => void) => void;

/** The counters in this process. */
export function localAdmission(slots: ConcurrencyLimit, rate: SourceRateLimiter): Admit {
  return (ip) => {
    const slot = slots.tryAcquire();
    if (slot === null) return { verdict: 'overload', release: NOTHING };
    return { verdict: rate.allow(ip) ? 'ok' : 'ratelimit', release: () => slot.release() };
  };
}

export interface GateOptions {
  readonly routes: readonly Route[];
  readonly store: GateStore;
  readonly allowUnknown: boolean;
  readonly clock: Clock;
  /** One finished log line without prefix (`[ip] BLOCKED …`); the CLI adds Go's timestamp. */
  readonly log: (line: string) => void;
  readonly metrics?: GateMetrics;
  readonly timeouts?: Partial<GateTimeouts>;
  readonly maxConcurrent?: number;
  readonly rateLimit?: RateLimitOptions;
  readonly onSeen?: ConnectionContext['onSeen'];
  /**
   * Admitted connections go here instead of being served in this process; the listeners then
   * accept paused (nothing is read before the new owner has the socket) and no banner is probed.
   */
  readonly handOff?: HandOff;
}

export interface BoundRoute {
  readonly route: Route;
  readonly address: AddressInfo;
}

export class Gate {
  readonly #opts: GateOptions;
  readonly #slots: ConcurrencyLimit;
  readonly #rate: SourceRateLimiter;
  readonly #routes: { route: Route; banner: BannerCache }[];
  readonly #servers: { route: Route; server: Server }[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #timeouts: GateTimeouts;
  readonly #metrics: GateMetrics;
  readonly #admit: Admit;
  #sweeper: NodeJS.Timeout | null = null;

  constructor(opts: GateOptions) {
    this.#opts = opts;
    this.#slots = new ConcurrencyLimit(opts.maxConcurrent ?? MAX_CONCURRENT_CONNECTIONS);
    this.#rate = new SourceRateLimiter(opts.clock, opts.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.#metrics = opts.metrics ?? noMetrics;
    this.#admit = localAdmission(this.#slots, this.#rate);
    this.#routes = opts.routes.map((route) => ({ route, banner: new BannerCache(route.backendAddr, route.backend, this.#timeouts.dialMs) }));
  }

  /** Connections holding a slot in this process's counters (a worker's: 0, the primary admits). */
  get active(): number {
    return this.#slots.active;
  }

  /** Opens every listener (fails if any cannot), logging `LISTEN a -> b`; probes banners. */
  async start(): Promise<void> {
    const handOff = this.#opts.handOff;
    for (const [index, { route, banner }] of this.#routes.entries()) {
      const server = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: handOff !== undefined },
        handOff ? (s) => this.#accept(s, route, index, handOff) : (s) => this.#accept(s, route, index, banner));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: Error) => reject(new Error(`listen ${route.listen}: ${err.message}`)));
        server.listen({ host: route.listenAddr.host, port: route.listenAddr.port }, () => {
          server.removeAllListeners('error');
          resolve();
        });
      });
      server.on('error', (err) => this.#opts.log(`ACCEPT ${route.listen}: ${err.message}`));
      this.#servers.push({ route, server });
      // Port 0 (tests, benchmarks) asks the kernel for a free port: say which one it gave.
      const where = route.listenAddr.port === 0
        ? `${route.listen.slice(0, route.listen.lastIndexOf(':'))}:${(server.address() as AddressInfo).port}` : route.listen;
      this.#opts.log(`LISTEN ${where} -> ${route.backend}`);
      if (!handOff) this.#probe(route, banner);
    }
    this.#sweeper = setInterval(() => this.#rate.sweep(), SWEEP_EVERY_MS);
    this.#sweeper.unref();
  }

  /** A worker's start: no listener (the primary accepts), only the backends' banners. */
  startWithoutListeners(): void {
    for (const { route, banner } of this.#routes) this.#probe(route, banner);
  }

  /** Serves a connection the primary accepted and admitted (its slot is the primary's: `release` gives it back). */
  adopt(socket: Socket, route: number, ip: string, release: () => void): void {
    const r = this.#routes[route];
    if (r === undefined) { socket.destroy(); release(); return; }
    socket.on('error', () => {});
    this.#serve(socket, r.route, r.banner, ip, release);
  }

  #probe(route: Route, banner: BannerCache): void {
    // A backend that is down at start is not fatal: the first client triggers another probe.
    banner.probe().catch((err: Error) => this.#opts.log(`BACKEND ${route.backend}: banner probe: ${err.message}`));
  }

  /** Where each route actually listens (port 0 in tests). */
  bound(): BoundRoute[] {
    return this.#servers.map(({ route, server }) => ({ route, address: server.address() as AddressInfo }));
  }

  #accept(socket: Socket, route: Route, index: number, next: BannerCache | HandOff): void {
    const ip = unmapIpv4Text(socket.remoteAddress ?? '');
    this.#metrics.connection(route.listen);
    socket.on('error', () => {});
    const serve = typeof next === 'function'
      ? (v: Admitted): void => next(socket, index, ip, v.release)
      : (v: Admitted): void => this.#serve(socket, route, next, ip, v.release);
    this.#admitted(socket, route, ip, this.#admit(ip), serve);
  }

  #admitted(socket: Socket, route: Route, ip: string, a: Admitted, serve: (a: Admitted) => void): void {
    if (a.verdict === 'overload') {
      this.#opts.log(`[${ip}] OVERLOAD dropping connection`);
      this.#metrics.result(route.listen, 'overload');
      socket.destroy();
      return;
    }
    if (a.verdict === 'ratelimit') {
      this.#opts.log(`[${ip}] RATELIMIT dropping connection`);
      this.#metrics.result(route.listen, 'rate_limited');
      // The original's order: the slot stays taken until the socket is closed.
      socket.once('close', () => a.release());
      socket.destroy();
      return;
    }
    serve(a);
  }

  #serve(socket: Socket, route: Route, banner: BannerCache, ip: string, release: () => void): void {
    this.#sockets.add(socket);
    this.#metrics.active(1);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      this.#metrics.active(-1);
      release();
    });
    const ctx: ConnectionContext = {
      route, banner, store: this.#opts.store, allowUnknown: this.#opts.allowUnknown, clock: this.#opts.clock,
      log: this.#opts.log, metrics: this.#metrics, timeouts: this.#timeouts,
      ...(this.#opts.onSeen ? { onSeen: this.#opts.onSeen } : {}),
    };
    handleConnection(socket, ip, ctx).catch((err: Error) => {
      this.#opts.log(`[${ip}] internal error: ${err.message}`);
      socket.destroy();
    });
  }

  /** Stops accepting, waits up to `graceMs` for connections to finish, then cuts the rest. */
  async drain(graceMs: number): Promise<boolean> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    // close() only stops accepting here; its callback would wait for every open connection.
    for (const { server } of this.#servers) server.close();
    const drained = await this.#waitIdle(graceMs);
    for (const s of this.#sockets) s.destroy();
    return drained;
  }

  #waitIdle(graceMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const deadline = setTimeout(() => { clearInterval(poll); resolve(false); }, graceMs);
      const poll = setInterval(() => {
        if (this.#sockets.size > 0) return;
        clearTimeout(deadline);
        clearInterval(poll);
        resolve(true);
      }, 50);
      if (this.#sockets.size === 0) { clearTimeout(deadline); clearInterval(poll); resolve(true); }
    });
  }
}
