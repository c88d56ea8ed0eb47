/**
 * `serve --route LISTEN=BACKEND ... [--db] [--config] [--allow-unknown] [--drain-timeout D]
 * [--metrics-listen ADDR] [--redis URL] [--redis-prefix P] [--workers N]`: startup lines in the
 * original's order, pruning at start and every 60 s, graceful drain on SIGTERM/SIGINT. With Redis,
 * decisions are shared with the other gates before the first listener opens. With workers, this
 * process is the primary (listeners, admission, pruning, Redis, metrics, log) and serve-worker.ts
 * serves the connections it hands over.
 */
import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import { isSea } from 'node:sea';
import { VERSION } from '../../version.js';
import { MAX_WORKERS, loadGateConfig } from '../config.js';
import { Gate, MAX_CONCURRENT_CONNECTIONS } from '../gate.js';
import { WorkerPool, isWorkerProcess } from '../workers.js';
import { serveWorker } from './serve-worker.js';
import { formatGoDuration, goLogPrefix } from '../go-format.js';
import { PrometheusGateMetrics, serveMetrics, workersMetrics } from '../metrics.js';
import { parseRoute } from '../routes.js';
import { DEFAULT_CONFIG, DEFAULT_DB, fatal, parseFlags, type CliIo } from './cli-io.js';
import { openStore } from './manage.js';
import { coalescingSink } from '../log-sink.js';
import { REDIS_FLAGS, redisSettings } from './redis-flags.js';
import { shareApprovals, type SharedApprovals } from '../shared-approvals.js';

const PRUNE_EVERY_MS = 60_000;

export interface ServeHooks {
  /** Resolves when the process should shut down (SIGTERM/SIGINT in production). */
  readonly shutdown: Promise<string>;
}

export async function cmdServe(io: CliIo, argv: readonly string[], hooks: ServeHooks): Promise<void> {
  const f = parseFlags(io, { name: 'serve', flags: [
    { name: 'db', kind: 'string', default: DEFAULT_DB, usage: 'database path' },
    { name: 'config', kind: 'string', default: DEFAULT_CONFIG, usage: 'config path' },
    { name: 'allow-unknown', kind: 'bool', usage: 'allow pending fingerprints' },
    { name: 'route', kind: 'list', usage: 'route in LISTEN=BACKEND form, repeatable', validate: (v) => { parseRoute(v); } },
    { name: 'drain-timeout', kind: 'duration', default: 10_000, usage: 'on shutdown, how long to wait for existing connections to finish' },
    { name: 'metrics-listen', kind: 'string', usage: 'serve Prometheus metrics on this host:port (off when empty)' },
    { name: 'max-connections', kind: 'int', default: MAX_CONCURRENT_CONNECTIONS, usage: 'connections handled at once across all routes; more are refused with OVERLOAD' },
    ...REDIS_FLAGS,
    { name: 'workers', kind: 'int', default: 1, usage: 'processes accepting connections, 0 = one per CPU core (default: workers in the config, else 1); the connection cap, the per-source rate and the store stay exact across them' },
  ] }, argv);
  const routes = f.list('route').map(parseRoute);
  const maxConcurrent = f.num('max-connections');
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) fatal(io, `invalid value "${maxConcurrent}" for flag -max-connections: must be a positive integer`);
  if (routes.length === 0) fatal(io, 'usage: serve --route LISTEN=BACKEND [--route LISTEN=BACKEND]');
  if (f.isSet('workers') && (f.num('workers') < 0 || f.num('workers') > MAX_WORKERS)) fatal(io, `invalid value "${f.num('workers')}" for flag -workers: must be from 0 to ${MAX_WORKERS}`);
  if (isWorkerProcess()) return serveWorker(io, f, routes, hooks);
  const sink = coalescingSink(io.stderr);
  const log = (line: string): void => sink.write(`${goLogPrefix(io.clock.now())}${line}\n`);
  // fatal() writes straight to stderr and exits: what was logged before it goes first.
  const die = (message: string): never => { sink.flush(); return fatal(io, message); };

  log(`sshgate version: ${VERSION}`);
  log(`database: ${f.str('db')}`);
  sink.flush(); // openStore may exit through fatal(): the lines above must be out first
  const store = openStore(io, f.str('db'), { create: true });
  log(`config: ${f.str('config')}`);
  let maxFingerprints: number;
  let redis: ReturnType<typeof redisSettings>;
  let workers: number;
  try {
    const cfg = loadGateConfig(f.str('config'));
    maxFingerprints = cfg.maxFingerprints;
    redis = redisSettings(f, cfg);
    workers = f.isSet('workers') ? f.num('workers') : (cfg.workers ?? 1);
    if (workers === 0) workers = availableParallelism();
  } catch (err) {
    store.close();
    return die(`load config: ${(err as Error).message}`);
  }
  const allowUnknown = f.bool('allow-unknown');
  log(`allow unknown: ${allowUnknown}`);

  let pruner: NodeJS.Timeout | null = null;
  if (maxFingerprints > 0) {
    log(`max fingerprints: ${maxFingerprints}`);
    const prune = (): void => {
      try {
        const n = store.prune(maxFingerprints);
        if (n > 0) log(`pruned ${n} fingerprint(s) over limit ${maxFingerprints}`);
      } catch (err) {
        log(`prune fingerprints: ${(err as Error).message}`);
      }
    };
    prune();
    pruner = setInterval(prune, PRUNE_EVERY_MS);
    pruner.unref();
  }

  let shared: SharedApprovals | null = null;
  if (redis.url !== '') {
    log(`redis: ${redis.target} (key prefix ${JSON.stringify(redis.prefix)})`);
    shared = await shareApprovals({ url: redis.url, prefix: redis.prefix, dbPath: f.str('db'), store, clock: io.clock, log });
  }

  const wantMetrics = f.str('metrics-listen') !== '';
  let serving: { drain(graceMs: number): Promise<boolean> };
  let metricsServer: Server | null = null;
  if (workers > 1 && isSea()) {
    // node:cluster forks a script; the single-file binary has none to give it.
    log(`workers: ${workers} requested; the single-file binary runs one process (use the npm or source install for workers)`);
    workers = 1;
  }
  if (workers > 1) {
    log(`workers: ${workers}`);
    // This process listens and admits (the machine's counters); the workers serve what it admits.
    const pool = new WorkerPool({ count: workers, write: (text) => sink.write(text), log, onSeen: (fp) => shared?.announce(fp) });
    const metrics = wantMetrics ? new PrometheusGateMetrics(() => store.count()) : null;
    const gate = new Gate({
      routes, store, allowUnknown, clock: io.clock, log, maxConcurrent, handOff: pool.handOff, ...(metrics ? { metrics } : {}),
    });
    // Listeners close first (drain starts them both at once), so no connection is handed to a draining worker.
    serving = { drain: async (grace) => (await Promise.all([gate.drain(grace), pool.drain(grace)])).every(Boolean) };
    try {
      await pool.start();
      await gate.start();
      if (wantMetrics) metricsServer = await serveMetrics(f.str('metrics-listen'), workersMetrics(metrics, () => pool.scrape()));
    } catch (err) {
      await gate.drain(0);
      await pool.drain(0);
      await shared?.close();
      store.close();
      return die((err as Error).message);
    }
  } else {
    const metrics = wantMetrics ? new PrometheusGateMetrics(() => store.count()) : null;
    const gate = new Gate({ routes, store, allowUnknown, clock: io.clock, log, maxConcurrent, ...(metrics ? { metrics } : {}) });
    serving = gate;
    try {
      await gate.start();
      if (metrics) metricsServer = await serveMetrics(f.str('metrics-listen'), metrics.registry);
    } catch (err) {
      await gate.drain(0);
      await shared?.close();
      store.close();
      return die((err as Error).message);
    }
  }
  if (metricsServer) log(`METRICS http://${f.str('metrics-listen')}/metrics`);

  const signal = await hooks.shutdown;
  const grace = f.num('drain-timeout');
  log(`${signal}: shutting down`);
  log(`shutdown: draining in-flight connections (grace ${formatGoDuration(grace)})`);
  if (pruner) clearInterval(pruner);
  metricsServer?.close();
  const drained = await serving.drain(grace);
  log(drained ? 'all connections drained' : `drain timeout after ${formatGoDuration(grace)}; exiting with connections still open`);
  await shared?.close();
  store.close();
  sink.flush();
}
