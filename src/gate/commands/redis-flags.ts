/**
 * `-redis URL` and `-redis-prefix P`, the same on `serve` and the management commands: the flag wins
 * over the config file's `redis_url` / `redis_key_prefix`. The URL may hold a password, so only
 * `target` (host and port) is ever printed.
 */
import { isRedisUrl } from '../../config/schema.js';
import { redisTarget } from '../../cluster/redis-link.js';
import type { GateConfig } from '../config.js';
import type { FlagSpec } from '../cli-args.js';
import { DEFAULT_REDIS_PREFIX } from '../shared-approvals.js';
import type { ParsedFlags } from './cli-io.js';

export const REDIS_FLAGS: readonly FlagSpec[] = [
  { name: 'redis', kind: 'string', usage: 'share fingerprint decisions with other gates and sks5 through this Redis: redis://[user:password@]host:port[/db], rediss:// for TLS (default: redis_url in the config; a password is safer there than on the command line)' },
  { name: 'redis-prefix', kind: 'string', usage: `prefix of the Redis keys and channel, as sks5's [cluster] key_prefix (default: redis_key_prefix in the config, else ${JSON.stringify(DEFAULT_REDIS_PREFIX)})` },
];

export interface RedisSettings { readonly url: string; readonly prefix: string; readonly target: string }

/** Throws with a message that never contains the URL. */
export function redisSettings(f: ParsedFlags, cfg: Pick<GateConfig, 'redisUrl' | 'redisKeyPrefix'>): RedisSettings {
  const url = f.str('redis') || cfg.redisUrl;
  if (url !== '' && !isRedisUrl(url)) throw new Error('-redis: expected redis://[user:password@]host:port[/db] or rediss:// for TLS');
  const prefix = f.str('redis-prefix') || cfg.redisKeyPrefix || DEFAULT_REDIS_PREFIX;
  if (prefix.length > 64) throw new Error('-redis-prefix: at most 64 characters');
  return { url, prefix, target: url === '' ? '' : redisTarget(url) };
}
