/**
 * Time comes in as a plain object so policy code (windows, decay, quotas, maintenance schedules)
 * is tested across midnight, DST and month ends without sleeping. The real clock is wired in cli/.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds, for durations and timeouts. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  #now: number;
  #mono = 0;
  constructor(start: number | string | Date = 0) {
    this.#now = new Date(start).getTime();
  }
  now(): number { return this.#now; }
  monotonic(): number { return this.#mono; }
  advance(ms: number): void { this.#now += ms; this.#mono += ms; }
  set(t: number | string | Date): void { const n = new Date(t).getTime(); this.#mono += Math.max(0, n - this.#now); this.#now = n; }
}
