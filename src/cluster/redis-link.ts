/**
 * The store port (store.ts) on Redis: one client for commands and one for pub/sub (a subscribed
 * connection cannot run other commands). Both reconnect by themselves with capped backoff; commands issued
 * while Redis is away fail at once (no offline queue), so the hot path never waits on Redis and
 * callers keep their changes to merge later. The URL never appears in a log line or an error we
 * raise: it may carry the password; `target` is host:port only.
 */
import { createClient, type RedisClientType } from '@redis/client';
import { storeCommands, type StoreBackend, type StoreLink, type StoreLinkOptions, type StoreOp } from './store.js';

type RedisClient = RedisClientType<{}, {}, {}, 3, {}>;

export interface RedisLinkOptions extends StoreLinkOptions {
  url: string;
  connectTimeoutMs?: number;
}

const MAX_BACKOFF_MS = 2000;

/** host:port (and TLS) of a redis:// URL, without user or password. */
export function redisTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol === 'rediss:' ? 'rediss' : 'redis'}://${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'redis://(unparseable)';
  }
}

/** Error text from the client, stripped of anything that looks like a URL with credentials. */
export function safeReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/rediss?:\/\/[^\s]*/g, (m) => redisTarget(m)).slice(0, 300);
}

export function openRedisLink(opts: RedisLinkOptions): StoreLink {
  const options = {
    url: opts.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: opts.connectTimeoutMs ?? 2000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), MAX_BACKOFF_MS),
    },
  };
  const client: RedisClient = createClient(options);
  const sub = client.duplicate();
  let up = false;
  let closing = false;
  const update = (reason?: string): void => {
    const now = client.isReady && sub.isReady;
    if (now === up) return;
    up = now;
    if (closing) return;
    if (up) opts.onUp();
    else opts.onDown(reason ?? 'connection lost');
  };
  let lastError = '';
  for (const c of [client, sub]) {
    // Without an 'error' listener the client's EventEmitter would throw; the reason is reported by update().
    c.on('error', (err: unknown) => { lastError = safeReason(err); update(lastError); });
    c.on('ready', () => update());
    c.on('end', () => update(lastError || 'closed'));
    c.on('reconnecting', () => update(lastError || 'reconnecting'));
  }
  // connect() retries until Redis answers; failures surface through 'error', so the promises are only settled here.
  void client.connect().catch(() => undefined);
  void sub.connect()
    .then(() => sub.subscribe(opts.channel, (message: string) => opts.onMessage(message)))
    .then(() => update())
    .catch(() => undefined);

  return {
    client: storeCommands(redisBackend(client)),
    target: redisTarget(opts.url),
    get up() { return up; },
    async close(): Promise<void> {
      closing = true;
      up = false;
      for (const c of [client, sub]) {
        try { c.destroy(); } catch { /* already closed */ }
      }
    },
  };
}

/**
 * Writes a ban version only over an older one (same order as isNewer), so two nodes pushing after
 * an outage leave the newer version in Redis whatever order their writes land in.
 */
const SET_IF_NEWER = `local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local ok, c = pcall(cjson.decode, cur)
  local a = tonumber(ARGV[3])
  if ok and type(c) == 'table' and type(c.a) == 'number' and (c.a > a or (c.a == a and tostring(c.n) >= ARGV[4])) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

const DELETE_IF_UNCHANGED = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";

const RAISE_FIELDS = `for i = 1, #ARGV, 2 do
  local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[i])) or 0
  local want = tonumber(ARGV[i + 1])
  if want > cur then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1`;

/** Each batch is one MULTI; the compare-and-set operations run as the Lua scripts above. */
function redisBackend(client: RedisClient): StoreBackend {
  return {
    async execute(ops: readonly StoreOp[]): Promise<unknown[]> {
      const m = client.multi();
      for (const o of ops) {
        switch (o.op) {
          case 'hGetAll': m.hGetAll(o.key); break;
          case 'hSet': m.hSet(o.key, o.field, o.value); break;
          case 'hDel': m.hDel(o.key, o.field); break;
          case 'hIncrBy': m.hIncrBy(o.key, o.field, o.by); break;
          case 'del': m.del(o.keys); break;
          case 'pExpire': m.pExpire(o.key, o.ms); break;
          case 'zAdd': m.zAdd(o.key, o.members); break;
          case 'zRemRangeByScore': m.zRemRangeByScore(o.key, o.min, o.max); break;
          case 'zRangeWithScores': m.zRangeWithScores(o.key, 0, -1); break;
          case 'publish': m.publish(o.channel, o.message); break;
          case 'setIfNewer': m.eval(SET_IF_NEWER, { keys: [o.key], arguments: [o.field, o.value, String(o.at), o.node] }); break;
          case 'delIfUnchanged': m.eval(DELETE_IF_UNCHANGED, { keys: [o.key], arguments: [o.field, o.value] }); break;
          case 'raiseFields': m.eval(RAISE_FIELDS, { keys: [o.key], arguments: o.pairs }); break;
        }
      }
      return (await m.exec()) as unknown[];
    },
    async scan(cursor, pattern, count) {
      const r = await client.scan(cursor, { MATCH: pattern, COUNT: count });
      return { cursor: String(r.cursor), keys: r.keys.map(String) };
    },
  };
}
