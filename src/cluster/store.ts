/**
 * The store port the cluster layer speaks: a small set of Redis commands, written down as data so
 * that two very different stores can run them. `[cluster] redis_url` runs them on Redis
 * (redis-link.ts, one MULTI per batch, the compare-and-set operations as Lua); `[server] workers`
 * without Redis runs them in the primary process (memory-store.ts, reached over the cluster IPC
 * channel by worker-store.ts). The sync code (state-sync.ts, quota-sync.ts) never knows which.
 *
 * Replies have Redis' RESP3 shapes: a hash is an object of strings, a sorted-set range a list of
 * {value, score}, integers are numbers.
 */

/** One command. The three compare-and-set operations are what the Lua scripts did on Redis. */
export type StoreOp =
  | { op: 'hGetAll'; key: string }
  | { op: 'hSet'; key: string; field: string; value: string }
  | { op: 'hDel'; key: string; field: string }
  | { op: 'hIncrBy'; key: string; field: string; by: number }
  | { op: 'del'; keys: string[] }
  | { op: 'pExpire'; key: string; ms: number }
  | { op: 'zAdd'; key: string; members: Array<{ score: number; value: string }> }
  | { op: 'zRemRangeByScore'; key: string; min: number | '-inf'; max: number | '+inf' }
  | { op: 'zRangeWithScores'; key: string }
  | { op: 'publish'; channel: string; message: string }
  /** Set a ban-version field only over an older version: (a, n) ordered as ban-versions.ts isNewer. */
  | { op: 'setIfNewer'; key: string; field: string; value: string; at: number; node: string }
  /** Delete a field only if it still holds `value` (another node may have rewritten it). */
  | { op: 'delIfUnchanged'; key: string; field: string; value: string }
  /** Raise each field to at least its value, never lower (pairs of field, value). */
  | { op: 'raiseFields'; key: string; pairs: string[] };

/** A MULTI being built: commands are recorded, `exec` runs them atomically and returns one reply each. */
export interface StoreBatch {
  hGetAll(key: string): this;
  hSet(key: string, field: string, value: string): this;
  hDel(key: string, field: string): this;
  hIncrBy(key: string, field: string, by: number): this;
  del(keys: string | string[]): this;
  pExpire(key: string, ms: number): this;
  zAdd(key: string, members: Array<{ score: number; value: string }>): this;
  zRemRangeByScore(key: string, min: number | '-inf', max: number | '+inf'): this;
  publish(channel: string, message: string): this;
  setIfNewer(key: string, field: string, value: string, at: number, node: string): this;
  delIfUnchanged(key: string, field: string, value: string): this;
  raiseFields(key: string, pairs: string[]): this;
  readonly length: number;
  exec(): Promise<unknown[]>;
}

/** What a store must do; everything else (StoreCommands) is built on these two. */
export interface StoreBackend {
  /** Run the commands atomically, in order; rejects when the store is unreachable. */
  execute(ops: readonly StoreOp[]): Promise<unknown[]>;
  /** One SCAN page: keys matching a glob pattern (`*` only), and the cursor of the next page ('0' at the end). */
  scan(cursor: string, pattern: string, count: number): Promise<{ cursor: string; keys: string[] }>;
}

export interface StoreCommands {
  multi(): StoreBatch;
  hGetAll(key: string): Promise<Record<string, string>>;
  zRangeWithScores(key: string): Promise<Array<{ value: string; score: number }>>;
  publish(channel: string, message: string): Promise<unknown>;
  scanIterator(opts: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
}

/** The connection to a store: commands, plus the state channel's messages (opened with the link). */
export interface StoreLink {
  readonly client: StoreCommands;
  /** Where the store is, for logs and the API (never credentials). */
  readonly target: string;
  readonly up: boolean;
  close(): Promise<void>;
}

export interface StoreLinkOptions {
  /** Called for every message on the subscribed channel. */
  onMessage(text: string): void;
  channel: string;
  /** Commands and subscription ready (first time and after every reconnect). */
  onUp(): void;
  /** Lost; `reason` has no credentials. */
  onDown(reason: string): void;
}

class OpBatch implements StoreBatch {
  readonly #ops: StoreOp[] = [];
  readonly #backend: StoreBackend;
  constructor(backend: StoreBackend) { this.#backend = backend; }
  #add(op: StoreOp): this { this.#ops.push(op); return this; }
  get length(): number { return this.#ops.length; }
  hGetAll(key: string): this { return this.#add({ op: 'hGetAll', key }); }
  hSet(key: string, field: string, value: string): this { return this.#add({ op: 'hSet', key, field, value }); }
  hDel(key: string, field: string): this { return this.#add({ op: 'hDel', key, field }); }
  hIncrBy(key: string, field: string, by: number): this { return this.#add({ op: 'hIncrBy', key, field, by }); }
  del(keys: string | string[]): this { return this.#add({ op: 'del', keys: Array.isArray(keys) ? keys : [keys] }); }
  pExpire(key: string, ms: number): this { return this.#add({ op: 'pExpire', key, ms }); }
  zAdd(key: string, members: Array<{ score: number; value: string }>): this { return this.#add({ op: 'zAdd', key, members }); }
  zRemRangeByScore(key: string, min: number | '-inf', max: number | '+inf'): this { return this.#add({ op: 'zRemRangeByScore', key, min, max }); }
  publish(channel: string, message: string): this { return this.#add({ op: 'publish', channel, message }); }
  setIfNewer(key: string, field: string, value: string, at: number, node: string): this { return this.#add({ op: 'setIfNewer', key, field, value, at, node }); }
  delIfUnchanged(key: string, field: string, value: string): this { return this.#add({ op: 'delIfUnchanged', key, field, value }); }
  raiseFields(key: string, pairs: string[]): this { return this.#add({ op: 'raiseFields', key, pairs }); }
  exec(): Promise<unknown[]> { return this.#ops.length === 0 ? Promise.resolve([]) : this.#backend.execute(this.#ops); }
}

/** The commands the sync code calls, on any backend. */
export function storeCommands(backend: StoreBackend): StoreCommands {
  return {
    multi: () => new OpBatch(backend),
    hGetAll: async (key) => (await backend.execute([{ op: 'hGetAll', key }]))[0] as Record<string, string>,
    zRangeWithScores: async (key) => (await backend.execute([{ op: 'zRangeWithScores', key }]))[0] as Array<{ value: string; score: number }>,
    publish: async (channel, message) => (await backend.execute([{ op: 'publish', channel, message }]))[0],
    scanIterator: ({ MATCH, COUNT }) => ({
      async *[Symbol.asyncIterator]() {
        let cursor = '0';
        do {
          const page = await backend.scan(cursor, MATCH, COUNT);
          cursor = page.cursor;
          if (page.keys.length > 0) yield page.keys;
        } while (cursor !== '0');
      },
    }),
  };
}
