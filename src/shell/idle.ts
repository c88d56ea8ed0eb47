/**
 * The idle clock of one shell: a warning `warnSecs` before `timeoutSecs` without input, then the
 * disconnect. Timers come in as an object so tests fire them by hand instead of waiting minutes.
 */

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref?.(); return t; },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class IdleWatch {
  readonly #timers: Timers;
  readonly #timeoutSecs: number;
  readonly #warnSecs: number;
  readonly #onWarn: (secondsLeft: number) => void;
  readonly #onTimeout: (idleSecs: number) => void;
  #warnTimer: unknown;
  #timer: unknown;

  constructor(options: { timers: Timers; timeoutSecs: number; warnSecs: number; onWarn: (secondsLeft: number) => void; onTimeout: (idleSecs: number) => void }) {
    this.#timers = options.timers;
    this.#timeoutSecs = options.timeoutSecs;
    this.#warnSecs = options.warnSecs;
    this.#onWarn = options.onWarn;
    this.#onTimeout = options.onTimeout;
  }

  /** Start (or restart) counting from now; a timeout of 0 means never. */
  arm(): void {
    this.disarm();
    const timeout = this.#timeoutSecs;
    if (timeout <= 0) return;
    const warn = this.#warnSecs;
    if (warn > 0 && warn < timeout) this.#warnTimer = this.#timers.setTimeout(() => this.#onWarn(warn), (timeout - warn) * 1000);
    this.#timer = this.#timers.setTimeout(() => this.#onTimeout(timeout), timeout * 1000);
  }

  disarm(): void {
    if (this.#warnTimer !== undefined) this.#timers.clearTimeout(this.#warnTimer);
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#warnTimer = this.#timer = undefined;
  }
}

/** A sleep that ends early, resolving false, when `signal` aborts (ping between probes). */
export function abortableSleep(timers: Timers, signal: AbortSignal, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (signal.aborted) { resolve(false); return; }
    const onAbort = (): void => { timers.clearTimeout(t); resolve(false); };
    const t = timers.setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(true); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
