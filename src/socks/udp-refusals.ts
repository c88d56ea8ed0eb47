/**
 * How one UDP association reports the datagrams it refuses. A TCP refusal is one request and one
 * event; a UDP client retrying a denied DNS server sends hundreds of datagrams a minute, and one
 * event (audit line, webhook, warning) and one reputation point each would flood the audit log and
 * ban the client off a single association. So, per association:
 * - the first refusal of a (target, code) is reported at once, with the policy's detailed reason;
 * - the ones after it are counted and reported as one summary ("N datagrams to host:port refused
 *   (CODE)") at most every `intervalMs`, and whatever is still counted when the association ends;
 * - reputation counts a target once, however many datagrams went to it.
 * Every refused datagram is in some report's `datagrams`, so the metrics still count each one.
 * Pure: the caller passes the time (monotonic ms), and reads the reports it should emit.
 */
import { joinHostPort } from '../host-port.js';

export interface DatagramTarget { readonly host: string; readonly port: number }

/**
 * One report to emit. `summary` false: the first refusal of its (target, code), one datagram, and
 * `reputation` when it is also the first reputable refusal of the target; true: a count of the ones after it.
 */
export interface RefusalReport<C extends string = string> {
  readonly target: DatagramTarget;
  readonly code: C;
  readonly datagrams: number;
  readonly summary: boolean;
  readonly reputation: boolean;
}

export interface DatagramRefusalOptions {
  /** Least time between two reports of the same (target, code). */
  intervalMs: number;
  /** Most (target, code) pairs and reputation targets remembered; the oldest is reported and forgotten. */
  maxKeys: number;
}

/** The summary's text, for the event's reason and the warning. */
export function summaryText(r: RefusalReport): string {
  return `${r.datagrams} datagram${r.datagrams === 1 ? '' : 's'} to ${joinHostPort(r.target.host, r.target.port)} refused (${r.code})`;
}

interface Pending<C extends string> { target: DatagramTarget; code: C; reportedAt: number; count: number }

export class DatagramRefusals<C extends string = string> {
  readonly #opts: DatagramRefusalOptions;
  /** By `host|port|code`, oldest first (Map order). */
  readonly #pending = new Map<string, Pending<C>>();
  /** Targets already counted against the client's reputation, oldest first. */
  readonly #reputed = new Set<string>();

  constructor(opts: DatagramRefusalOptions) {
    this.#opts = opts;
  }

  /**
   * A datagram to `target` refused with `code` at `now` (`reputable`: the code counts against
   * reputation). Returns what to emit now, in order: nothing (counted for a later summary), a first
   * refusal, a summary that came due, or a summary pushed out by `maxKeys` before a first refusal.
   */
  refused(target: DatagramTarget, code: C, now: number, reputable: boolean): RefusalReport<C>[] {
    const key = `${target.host}|${target.port}|${code}`;
    const p = this.#pending.get(key);
    if (p !== undefined && !(p.count === 0 && now - p.reportedAt >= this.#opts.intervalMs)) {
      p.count += 1;
      return now - p.reportedAt >= this.#opts.intervalMs ? [this.#summarize(p, now)] : [];
    }
    // A first refusal, or the first of a new burst after a quiet interval: its own report.
    const out: RefusalReport<C>[] = [];
    if (p !== undefined) this.#pending.delete(key);
    else if (this.#pending.size >= this.#opts.maxKeys) this.#evictOldest(out);
    this.#pending.set(key, { target, code, reportedAt: now, count: 0 });
    out.push({ target, code, datagrams: 1, summary: false, reputation: reputable && this.#firstReputation(target) });
    return out;
  }

  /** The summaries whose interval has passed (called from the association's timer); quiet pairs are forgotten. */
  due(now: number): RefusalReport<C>[] {
    const out: RefusalReport<C>[] = [];
    for (const [key, p] of this.#pending) {
      if (now - p.reportedAt < this.#opts.intervalMs) continue;
      if (p.count > 0) out.push(this.#summarize(p, now));
      else this.#pending.delete(key);
    }
    return out;
  }

  /** Everything still counted, when the association ends. */
  drain(): RefusalReport<C>[] {
    const out: RefusalReport<C>[] = [];
    for (const p of this.#pending.values()) if (p.count > 0) out.push(summaryOf(p));
    this.#pending.clear();
    return out;
  }

  #summarize(p: Pending<C>, now: number): RefusalReport<C> {
    const r = summaryOf(p);
    p.count = 0;
    p.reportedAt = now;
    return r;
  }

  #evictOldest(out: RefusalReport<C>[]): void {
    const [key, p] = this.#pending.entries().next().value as [string, Pending<C>];
    this.#pending.delete(key);
    if (p.count > 0) out.push(summaryOf(p));
  }

  #firstReputation(target: DatagramTarget): boolean {
    const key = `${target.host}|${target.port}`;
    if (this.#reputed.has(key)) return false;
    if (this.#reputed.size >= this.#opts.maxKeys) this.#reputed.delete(this.#reputed.values().next().value as string);
    this.#reputed.add(key);
    return true;
  }
}

function summaryOf<C extends string>(p: Pending<C>): RefusalReport<C> {
  return { target: p.target, code: p.code, datagrams: p.count, summary: true, reputation: false };
}
