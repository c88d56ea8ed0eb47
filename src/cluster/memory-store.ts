/**
 * The store port (store.ts) in memory, for `[server] workers` without Redis: the primary process
 * holds it and the workers reach it over the cluster IPC channel (worker-store.ts). It implements
 * exactly the commands the sync code uses, with Redis' semantics and reply shapes, so the same
 * sync code runs on both (test/unit/cluster-store.test.ts runs one contract on each).
 *
 * A batch runs synchronously, so it is atomic like a MULTI. Expiry is read from the injected
 * clock: lazily on access, and by `sweep()`. Nothing here is durable: the workers keep their SQLite
 * copy and, after a primary restart, raise the store back to what they knew (as after a Redis outage).
 */
import type { Clock } from '../clock.js';
import { stampOf } from './ban-versions.js';
import type { StoreBackend, StoreOp } from './store.js';

type Value = { kind: 'hash'; map: Map<string, string> } | { kind: 'zset'; map: Map<string, number> };

export class StoreTypeError extends Error {
  constructor(key: string) {
    super(`WRONGTYPE Operation against a key holding the wrong kind of value: ${key}`);
    this.name = 'StoreTypeError';
  }
}

export class MemoryStore implements StoreBackend {
  readonly #data = new Map<string, Value>();
  readonly #expires = new Map<string, number>();
  readonly #clock: Clock;
  readonly #publish: (channel: string, message: string) => number;

  /** `publish` delivers a message to the subscribers and returns how many there were. */
  constructor(clock: Clock, publish: (channel: string, message: string) => number) {
    this.#clock = clock;
    this.#publish = publish;
  }

  get size(): number { return this.#data.size; }

  async execute(ops: readonly StoreOp[]): Promise<unknown[]> {
    return this.run(ops);
  }

  /**
   * Synchronous and all-or-nothing: a WRONGTYPE is found before anything is written (Redis would
   * apply the other commands of the MULTI; the sync code never mixes types, so refusing is simpler).
   */
  run(ops: readonly StoreOp[]): unknown[] {
    for (const o of ops) this.#checkType(o);
    const replies = ops.map((o) => (o.op === 'publish' ? 0 : this.#apply(o)));
    // Messages leave after the writes, as Redis delivers them after EXEC; the reply is the receiver count.
    ops.forEach((o, k) => { if (o.op === 'publish') replies[k] = this.#publish(o.channel, o.message); });
    return replies;
  }

  async scan(cursor: string, pattern: string, count: number): Promise<{ cursor: string; keys: string[] }> {
    const re = globToRegExp(pattern);
    const all = [...this.#data.keys()].filter((k) => this.#live(k) && re.test(k)).sort();
    const start = Number(cursor) || 0;
    const page = all.slice(start, start + Math.max(1, count));
    const next = start + page.length;
    return { cursor: next >= all.length ? '0' : String(next), keys: page };
  }

  /** Drop expired keys (a timer calls this; reads skip them anyway). */
  sweep(): void {
    for (const k of [...this.#expires.keys()]) this.#live(k);
  }

  #live(key: string): boolean {
    const at = this.#expires.get(key);
    if (at !== undefined && at <= this.#clock.now()) {
      this.#expires.delete(key);
      this.#data.delete(key);
      return false;
    }
    return this.#data.has(key);
  }

  #get(key: string): Value | undefined {
    return this.#live(key) ? this.#data.get(key) : undefined;
  }

  #checkType(o: StoreOp): void {
    const want = o.op.startsWith('z') ? 'zset' : o.op === 'del' || o.op === 'pExpire' || o.op === 'publish' ? undefined : 'hash';
    if (want === undefined || !('key' in o)) return;
    const v = this.#get(o.key);
    if (v && v.kind !== want) throw new StoreTypeError(o.key);
  }

  #hash(key: string): Map<string, string> {
    const v = this.#get(key);
    if (v?.kind === 'hash') return v.map;
    const map = new Map<string, string>();
    this.#data.set(key, { kind: 'hash', map });
    this.#expires.delete(key);
    return map;
  }

  #zset(key: string): Map<string, number> {
    const v = this.#get(key);
    if (v?.kind === 'zset') return v.map;
    const map = new Map<string, number>();
    this.#data.set(key, { kind: 'zset', map });
    this.#expires.delete(key);
    return map;
  }

  /** An emptied hash or set disappears, as in Redis. */
  #tidy(key: string): void {
    const v = this.#data.get(key);
    if (v && v.map.size === 0) { this.#data.delete(key); this.#expires.delete(key); }
  }

  #apply(o: Exclude<StoreOp, { op: 'publish' }>): unknown {
    switch (o.op) {
      case 'hGetAll': {
        const v = this.#get(o.key);
        return v?.kind === 'hash' ? Object.fromEntries(v.map) : {};
      }
      case 'hSet': {
        const h = this.#hash(o.key);
        const added = h.has(o.field) ? 0 : 1;
        h.set(o.field, o.value);
        return added;
      }
      case 'hDel': {
        const v = this.#get(o.key);
        const n = v?.kind === 'hash' && v.map.delete(o.field) ? 1 : 0;
        this.#tidy(o.key);
        return n;
      }
      case 'hIncrBy': {
        const h = this.#hash(o.key);
        const cur = Number(h.get(o.field) ?? '0');
        if (!Number.isSafeInteger(cur)) throw new Error(`ERR hash value is not an integer: ${o.key} ${o.field}`);
        const next = cur + o.by;
        h.set(o.field, String(next));
        return next;
      }
      case 'del': {
        let n = 0;
        for (const k of o.keys) if (this.#live(k)) { this.#data.delete(k); this.#expires.delete(k); n++; }
        return n;
      }
      case 'pExpire': {
        if (!this.#live(o.key)) return 0;
        if (o.ms <= 0) { this.#data.delete(o.key); this.#expires.delete(o.key); return 1; }
        this.#expires.set(o.key, this.#clock.now() + o.ms);
        return 1;
      }
      case 'zAdd': {
        const z = this.#zset(o.key);
        let added = 0;
        for (const m of o.members) { if (!z.has(m.value)) added++; z.set(m.value, m.score); }
        return added;
      }
      case 'zRemRangeByScore': {
        const v = this.#get(o.key);
        if (v?.kind !== 'zset') return 0;
        const min = o.min === '-inf' ? -Infinity : o.min;
        const max = o.max === '+inf' ? Infinity : o.max;
        let n = 0;
        for (const [m, s] of [...v.map]) if (s >= min && s <= max) { v.map.delete(m); n++; }
        this.#tidy(o.key);
        return n;
      }
      case 'zRangeWithScores': {
        const v = this.#get(o.key);
        if (v?.kind !== 'zset') return [];
        return [...v.map].map(([value, score]) => ({ value, score }))
          .sort((a, b) => a.score - b.score || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      }
      case 'setIfNewer': {
        const h = this.#hash(o.key);
        const cur = h.get(o.field);
        const c = cur === undefined ? undefined : stampOf(cur);
        if (c && (c.at > o.at || (c.at === o.at && c.node >= o.node))) { this.#tidy(o.key); return 0; }
        h.set(o.field, o.value);
        return 1;
      }
      case 'delIfUnchanged': {
        const v = this.#get(o.key);
        if (v?.kind !== 'hash' || v.map.get(o.field) !== o.value) return 0;
        v.map.delete(o.field);
        this.#tidy(o.key);
        return 1;
      }
      case 'raiseFields': {
        const h = this.#hash(o.key);
        for (let i = 0; i + 1 < o.pairs.length; i += 2) {
          const field = o.pairs[i]!;
          const want = Number(o.pairs[i + 1]);
          const cur = Number(h.get(field) ?? '0') || 0;
          if (want > cur) h.set(field, o.pairs[i + 1]!);
        }
        this.#tidy(o.key);
        return 1;
      }
    }
  }
}

/** Redis glob with `*` (and `?`) only: the patterns keys.ts builds. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}
