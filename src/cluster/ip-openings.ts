/**
 * Recent connection openings per client IP on the other nodes, so
 * `security.max_new_connections_per_ip_per_minute` holds across the cluster (issue 13). Same
 * design as the per-user rates (peers.ts): each node announces its own openings in the 100 ms
 * batches, and admission counts the others' from this local table; nothing waits on Redis on
 * accept. Only the last minute matters (the window is per minute), so entries older than that go.
 */
import type { Clock } from '../clock.js';
import type { AdmissionPeers } from '../policy/admission.js';
import { CappedMap } from '../policy/rate.js';
import { StampLog } from './stamp-log.js';

const MINUTE_MS = 60_000;
/** Stamps kept per IP: one announcement carries at most 1000; a limit above this counts this many. */
const MAX_OPENINGS_PER_IP = 4096;
/** Stamps queued per IP between two flushes (the message schema allows 1000). */
const MAX_OUTGOING_PER_IP = 1000;

export class IpOpenings implements AdmissionPeers {
  readonly #clock: Clock;
  readonly #remote: CappedMap<string, StampLog>;
  readonly #maxIps: () => number;
  #outgoing = new Map<string, number[]>();

  constructor(clock: Clock, maxIps: () => number) {
    this.#clock = clock;
    this.#maxIps = maxIps;
    this.#remote = new CappedMap(maxIps);
  }

  /** Openings another node announced. */
  remote(ip: string, at: readonly number[]): void {
    const log = this.#remote.get(ip) ?? new StampLog(MAX_OPENINGS_PER_IP);
    log.add(at, this.#clock.now() - MINUTE_MS);
    if (log.size === 0) this.#remote.delete(ip);
    else this.#remote.set(ip, log);
  }

  openingsWithin(ip: string, now: number, ms: number): number {
    return this.#remote.get(ip)?.countIn(now - ms, now) ?? 0;
  }

  /** For tests: the openings kept for an address, oldest first. */
  openings(ip: string): number[] {
    return this.#remote.get(ip)?.toArray() ?? [];
  }

  /** An opening admitted here (announced with the next batch). Bounded like every outbox. */
  opened(ip: string, at: number): void {
    const list = this.#outgoing.get(ip);
    if (!list && this.#outgoing.size >= this.#maxIps()) return;
    if (list) { if (list.length < MAX_OUTGOING_PER_IP) list.push(at); } else this.#outgoing.set(ip, [at]);
  }

  /** This node's openings since the last call, to announce. */
  take(): Array<[string, number[]]> {
    const out = [...this.#outgoing];
    this.#outgoing = new Map();
    return out;
  }

  /** Forget addresses with nothing in the last minute (the sweep timer). */
  sweep(): void {
    const now = this.#clock.now();
    for (const [ip, log] of [...this.#remote.entries()]) if (now - log.last() >= MINUTE_MS) this.#remote.delete(ip);
  }
}
