/**
 * The log side of the pre-auth budget. A flood is thousands of drops a second: one warning per drop
 * would be a second flood, into the log. So the first drop is logged at once and later ones at most
 * once per interval, each line with the count since the previous one and the budget's state.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Denial } from '../errors.js';
import type { StartupsSnapshot } from '../policy/startup-budget.js';

export const STARTUP_DROP_LOG_INTERVAL_MS = 10_000;

export interface StartupDropLogDeps {
  readonly log: Pick<Logger, 'warn'>;
  readonly clock: Clock;
  readonly snapshot: () => StartupsSnapshot;
  readonly intervalMs?: number;
}

export class StartupDropLog {
  readonly #d: StartupDropLogDeps;
  #since = 0;
  #lastAt: number | undefined;

  constructor(deps: StartupDropLogDeps) {
    this.#d = deps;
  }

  dropped(d: Denial): void {
    this.#since += 1;
    const now = this.#d.clock.monotonic();
    if (this.#lastAt !== undefined && now - this.#lastAt < (this.#d.intervalMs ?? STARTUP_DROP_LOG_INTERVAL_MS)) return;
    this.#lastAt = now;
    const s = this.#d.snapshot();
    const count = this.#since;
    this.#since = 0;
    const head = s.earlyDropActive
      ? `early drop active: ${s.inProgress} unauthenticated connections in progress (limits.max_startups start ${s.policy.start}, full ${s.policy.full})`
      : `pre-auth budget: sources over limits.per_source_max_startups (${s.policy.perSource}) are dropped; ${s.inProgress} unauthenticated connections in progress`;
    this.#d.log.warn({
      code: d.code, in_progress: s.inProgress, sources: s.sources, early_drop_active: s.earlyDropActive,
      dropped: count, dropped_total: s.dropped,
    }, `${head}; ${count} new connection${count === 1 ? '' : 's'} dropped since the last such line (latest: ${d.operator})`);
  }
}
