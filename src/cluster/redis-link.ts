/**
 * The connection to Redis: one client for commands and one for pub/sub (a subscribed connection
 * cannot run other commands). Both reconnect by themselves with capped backoff; commands issued
 * while Redis is away fail at once (no offline queue), so the hot path never waits on Redis and
 * callers keep their changes to merge later. The URL never appears in a log line or an error we
 * raise: it may carry the password; `target` is host:port only.
 */
import { createClient, type RedisClientType } from '@redis/client';

export type RedisCommands = RedisClientType<{}, {}, {}, 3, {}>;

export interface RedisLinkOptions {
  url: string;
  /** Called for every message on the subscribed channel. */
  onMessage(text: string): void;
  channel: string;
  /** Both connections ready (first time and after every reconnect). */
  onUp(): void;
  /** One of them lost; `reason` has no credentials. */
  onDown(reason: string): void;
  connectTimeoutMs?: number;
}

export interface RedisLink {
  readonly client: RedisCommands;
  /** host:port of the Redis, for logs and the API. */
  readonly target: string;
  readonly up: boolean;
  close(): Promise<void>;
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

export function openRedisLink(opts: RedisLinkOptions): RedisLink {
  const options = {
    url: opts.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: opts.connectTimeoutMs ?? 2000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), MAX_BACKOFF_MS),
    },
  };
  const client = createClient(options);
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
    client,
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
