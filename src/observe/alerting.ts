/**
 * Alert rules (`[alerting]`): usage thresholds read from the quota tracker every 30 s, and
 * authentication failures counted from real `auth.failure` events (the original never counted
 * them, so that rule could not fire). A (rule, user) pair fires at most once per window of
 * `window_secs` and re-arms in the next window (the original fired once per process lifetime).
 * Firing emits `alert.triggered` on the bus (so every webhook, the audit log and metrics see it)
 * and, with `webhook_url`, delivers it there through the webhook dispatcher.
 */
import type { Clock } from '../clock.js';
import type { AlertRuleConfig } from '../config/schema.js';
import type { EventBus, Sks5Event } from './events.js';

export interface AlertUsage {
  hourly_bytes: number;
  daily_bytes: number;
  monthly_bytes: number;
  daily_connections: number;
  monthly_connections: number;
}

export interface AlertingOptions {
  rules: readonly AlertRuleConfig[];
  events: EventBus;
  clock: Clock;
  /** Current usage of a configured user; undefined for unknown users. */
  usage: (username: string) => AlertUsage | undefined;
  /** Every configured user, for rules whose `users` list is empty. */
  users: () => readonly string[];
  webhooks?: { deliverTo(url: string, event: Sks5Event): void };
  intervalMs?: number;
}

/** Usernames tracked for auth_failures; attackers choose usernames, so the map is capped. */
const MAX_TRACKED_NAMES = 10_000;

/** Which usage figure a rule compares, by condition and window (the original's choice). */
export function usageValue(rule: Pick<AlertRuleConfig, 'condition' | 'window_secs'>, u: AlertUsage): number | undefined {
  switch (rule.condition) {
    case 'bandwidth_exceeded': return rule.window_secs <= 3600 ? u.hourly_bytes : rule.window_secs <= 86_400 ? u.daily_bytes : u.monthly_bytes;
    case 'connections_exceeded': return rule.window_secs <= 86_400 ? u.daily_connections : u.monthly_connections;
    case 'monthly_bandwidth_exceeded': return u.monthly_bytes;
    case 'hourly_bandwidth_exceeded': return u.hourly_bytes;
    default: return undefined;
  }
}

export class Alerting {
  readonly #opts: AlertingOptions;
  /** `${rule}\0${user}` -> index of the window it last fired in */
  readonly #fired = new Map<string, number>();
  /** username -> timestamps (ms) of recent auth failures, oldest first */
  readonly #failures = new Map<string, number[]>();
  readonly #failureRules: readonly AlertRuleConfig[];
  readonly #keepFailuresMs: number;
  readonly #keepFailuresCount: number;
  #timer: NodeJS.Timeout | undefined;
  readonly #off: () => void;

  constructor(opts: AlertingOptions) {
    this.#opts = opts;
    this.#failureRules = opts.rules.filter((r) => r.condition === 'auth_failures');
    this.#keepFailuresMs = Math.max(0, ...this.#failureRules.map((r) => r.window_secs * 1000));
    this.#keepFailuresCount = Math.max(1, ...this.#failureRules.map((r) => r.threshold));
    this.#off = this.#failureRules.length ? opts.events.on('auth.failure', (e) => this.#onAuthFailure(e.data.username)) : () => undefined;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.evaluate(), this.#opts.intervalMs ?? 30_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#off();
  }

  /** Checks every usage rule now (the periodic tick; tests call it directly). */
  evaluate(): void {
    for (const rule of this.#opts.rules) {
      if (rule.condition === 'auth_failures') {
        for (const user of this.#failures.keys()) this.#checkFailures(rule, user);
        continue;
      }
      const users = rule.users.length ? rule.users : this.#opts.users();
      for (const user of users) {
        const u = this.#opts.usage(user);
        const value = u ? usageValue(rule, u) : undefined;
        if (value !== undefined && value > rule.threshold) this.#fire(rule, user, value);
      }
    }
  }

  #onAuthFailure(username: string): void {
    const now = this.#opts.clock.now();
    let list = this.#failures.get(username);
    if (!list) {
      if (!this.#failureRules.some((r) => r.users.length === 0 || r.users.includes(username))) return;
      if (this.#failures.size >= MAX_TRACKED_NAMES) this.#failures.delete(this.#failures.keys().next().value as string);
      this.#failures.set(username, (list = []));
    }
    list.push(now);
    // Only the newest `threshold` failures can decide a rule, so older ones are not kept.
    while (list.length > this.#keepFailuresCount || (list.length && (list[0] as number) <= now - this.#keepFailuresMs)) list.shift();
    for (const rule of this.#failureRules) this.#checkFailures(rule, username);
  }

  #checkFailures(rule: AlertRuleConfig, user: string): void {
    if (rule.users.length && !rule.users.includes(user)) return;
    const since = this.#opts.clock.now() - rule.window_secs * 1000;
    const count = (this.#failures.get(user) ?? []).filter((t) => t > since).length;
    // A count reaching the threshold fires: "threshold = 5" means the fifth failure alerts.
    if (count >= rule.threshold && count > 0) this.#fire(rule, user, count);
  }

  #fire(rule: AlertRuleConfig, username: string, value: number): void {
    const now = this.#opts.clock.now();
    const window = Math.floor(now / (rule.window_secs * 1000));
    const key = `${rule.name}\0${username}`;
    if (this.#fired.get(key) === window) return;
    this.#fired.set(key, window);
    const data = { alert: rule.name, condition: rule.condition, threshold: rule.threshold, value, username };
    this.#opts.events.emit('alert.triggered', data);
    if (rule.webhook_url) this.#opts.webhooks?.deliverTo(rule.webhook_url, { type: 'alert.triggered', timestamp: new Date(now).toISOString(), data });
  }
}

export function createAlerting(opts: AlertingOptions): Alerting {
  return new Alerting(opts);
}
