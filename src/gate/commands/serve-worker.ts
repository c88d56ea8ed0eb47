/**
 * One worker of `serve -workers N` (see ../workers.ts): the same gate on the same routes and
 * database, with admission asked of the primary, log lines sent to it, and no start-up lines,
 * pruning or Redis of its own. It drains when the primary says so (or on its own SIGTERM/SIGINT,
 * which systemd sends to the whole unit), then exits.
 */
import { goLogPrefix } from '../go-format.js';
import { Gate } from '../gate.js';
import { coalescingSink } from '../log-sink.js';
import { PrometheusGateMetrics, offerWorkerMetrics } from '../metrics.js';
import type { Route } from '../routes.js';
import { PrimaryLink } from '../workers.js';
import { fatal, type CliIo, type ParsedFlags } from './cli-io.js';
import { openStore } from './manage.js';

export async function serveWorker(io: CliIo, f: ParsedFlags, routes: readonly Route[], hooks: { readonly shutdown: Promise<string> }): Promise<void> {
  const primary = new PrimaryLink();
  const sink = coalescingSink((text) => primary.log(text));
  const log = (line: string): void => sink.write(`${goLogPrefix(io.clock.now())}${line}\n`);
  // The primary created the file and checked the config before forking.
  const store = openStore(io, f.str('db'), { create: false });
  // New fingerprints go to the primary, which announces them when Redis is configured.
  store.replicateTo((e) => primary.seen(e.fingerprint));
  let metrics: PrometheusGateMetrics | null = null;
  if (f.str('metrics-listen') !== '') {
    metrics = new PrometheusGateMetrics(() => store.count());
    offerWorkerMetrics(metrics.registry);
  }
  const gate = new Gate({
    routes, store, allowUnknown: f.bool('allow-unknown'), clock: io.clock, log, admit: primary.admit, logListen: false,
    ...(metrics ? { metrics } : {}),
  });
  try {
    await gate.start();
  } catch (err) {
    sink.flush();
    store.close();
    return fatal(io, (err as Error).message);
  }
  primary.listening(gate.bound().map((b) => b.address.port));
  const grace = await Promise.race([primary.drainRequested, hooks.shutdown.then(() => f.num('drain-timeout'))]);
  const ok = await gate.drain(grace);
  store.close();
  sink.flush();
  await primary.drained(ok);
}
