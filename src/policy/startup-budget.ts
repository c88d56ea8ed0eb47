/**
 * The counters behind the pre-auth budget (startups.ts decides): unauthenticated connections in
 * progress, in total and per source block, and what was dropped. A source block is in the map only
 * while it holds a connection, so the map never outgrows the connections themselves.
 */
import type { Config } from '../config/schema.js';
import { deny, allow, type Decision } from '../errors.js';
import { decideStartup, dropPercent, parseMaxStartups, sourceBlock, type StartupDropReason, type StartupsPolicy } from './startups.js';

type LimitsConfig = Config['limits'];

/** Held by one unauthenticated connection; `leave()` is idempotent. */
export interface PendingStartup { leave(): void }

export interface StartupsSnapshot {
  readonly policy: StartupsPolicy;
  /** Unauthenticated connections in progress now. */
  readonly inProgress: number;
  /** Source blocks holding at least one of them. */
  readonly sources: number;
  /** True while new connections are dropped at random or all (in progress >= start). */
  readonly earlyDropActive: boolean;
  /** Cumulative drops since start, by reason. */
  readonly dropped: Readonly<Record<StartupDropReason, number>>;
}

/** The policy a `[limits]` section means; a value the schema accepted always parses. */
export function startupsPolicyOf(limits: LimitsConfig): StartupsPolicy {
  const p = parseMaxStartups(limits.max_startups);
  const total = typeof p === 'string' ? { start: 0, rate: 100, full: 0 } : p;
  return { ...total, perSource: limits.per_source_max_startups };
}

export class StartupBudget {
  readonly #random: () => number;
  readonly #perSource = new Map<string, number>();
  #inProgress = 0;
  readonly #dropped: Record<StartupDropReason, number> = { per_source: 0, early_drop: 0, full: 0 };
  #compiled: { source: LimitsConfig; policy: StartupsPolicy } | undefined;

  constructor(random: () => number) {
    this.#random = random;
  }

  /** A new connection from `ip` (canonical): a slot in the budget, or the refusal with its reason. */
  enter(limits: LimitsConfig, ip: string): Decision<PendingStartup> {
    const policy = this.#policy(limits);
    const block = sourceBlock(ip);
    const fromSource = this.#perSource.get(block) ?? 0;
    const verdict = decideStartup(policy, this.#inProgress, fromSource, this.#random());
    if (!verdict.admit) {
      this.#dropped[verdict.reason] += 1;
      return verdict.reason === 'per_source'
        ? deny('SKS5_DENY_STARTUPS_SOURCE', `${block} holds ${fromSource} unauthenticated connections = limits.per_source_max_startups; dropped ${ip}`, 'too many connections, slow down')
        : deny('SKS5_DENY_STARTUPS', `${this.#inProgress} unauthenticated connections in progress, limits.max_startups "${limits.max_startups}" (${verdict.reason === 'full' ? 'full' : `random early drop, ${Math.round(dropPercent(policy, this.#inProgress))}%`}); dropped ${ip}`, 'server busy, try again later');
    }
    this.#inProgress += 1;
    this.#perSource.set(block, fromSource + 1);
    let held = true;
    return allow({
      leave: () => {
        if (!held) return;
        held = false;
        this.#inProgress -= 1;
        const n = (this.#perSource.get(block) ?? 1) - 1;
        if (n <= 0) this.#perSource.delete(block);
        else this.#perSource.set(block, n);
      },
    });
  }

  snapshot(limits: LimitsConfig): StartupsSnapshot {
    const policy = this.#policy(limits);
    return {
      policy,
      inProgress: this.#inProgress,
      sources: this.#perSource.size,
      earlyDropActive: policy.start > 0 && this.#inProgress >= policy.start,
      dropped: { ...this.#dropped },
    };
  }

  #policy(limits: LimitsConfig): StartupsPolicy {
    if (this.#compiled?.source !== limits) this.#compiled = { source: limits, policy: startupsPolicyOf(limits) };
    return this.#compiled.policy;
  }
}
