/**
 * One worker of `serve -workers N` (see ../workers.ts): the same gate on the same routes and
 * database, serving the connections the primary accepted and admitted, with its log lines sent to
 * the primary and no listener, start-up lines, pruning or Redis of its own. It drains when the
 * primary says so (or on its own SIGTERM/SIGINT, which systemd sends to the whole unit), then exits.
 */
import { goLogPrefix } from '../go-format.js';
import { Gate } from '../gate.js';
import { PrometheusGateMetrics } from '../metrics.js';
import type { Route } from '../routes.js';
import { PrimaryLink } from '../workers.js';
import type { CliIo, ParsedFlags } from './cli-io.js';
import { openStore } from './manage.js';

export async function serveWorker(io: CliIo, f: ParsedFlags, routes: readonly Route[], hooks: { readonly shutdown: Promise<string> }): Promise<void> {
  // The primary created the file and checked the config before forking.
  const store = openStore(io, f.str('db'), { create: false });
  const metrics = f.str('metrics-listen') !== '' ? new PrometheusGateMetrics(() => store.count()) : null;
  let gate: Gate | null = null;
  const primary = new PrimaryLink({
    onConnection: (socket, route, ip, release) => {
      if (gate === null) { socket.destroy(); release(); return; }
      gate.adopt(socket, route, ip, release);
    },
    metrics: () => metrics?.registry.json() ?? Promise.resolve([]),
  });
  // The link batches lines per turn, as the one-process gate's sink does.
  const log = (line: string): void => primary.log(`${goLogPrefix(io.clock.now())}${line}\n`);
  // New fingerprints go to the primary, which announces them when Redis is configured.
  store.replicateTo((e) => primary.seen(e.fingerprint));
  gate = new Gate({
    routes, store, allowUnknown: f.bool('allow-unknown'), clock: io.clock, log,
    ...(metrics ? { metrics } : {}),
  });
  gate.startWithoutListeners();
  primary.ready();
  const grace = await Promise.race([primary.drainRequested, hooks.shutdown.then(() => f.num('drain-timeout'))]);
  const ok = await gate.drain(grace);
  store.close();
  await primary.drained(ok);
}
