/**
 * sshgate's `config.json`: the original's `max_fingerprints`, and our `redis_url` and
 * `redis_key_prefix` (shared approvals, see shared-approvals.ts) and `workers` (workers.ts). Unknown keys are ignored like Go's
 * json.Unmarshal, so a gatekit-era file with extra sections still loads.
 */
import { readFileSync } from 'node:fs';
import { isRedisUrl } from '../config/schema.js';

export const DEFAULT_MAX_FINGERPRINTS = 100_000;
/** `workers` bound (flag and config). */
export const MAX_WORKERS = 256;
/** A config file larger than this is refused rather than parsed (it should be a few bytes). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface GateConfig {
  /** Effective cap: 100000 when unset or 0, -1 for unlimited. */
  readonly maxFingerprints: number;
  /** Share approvals through this Redis ('' = alone). May hold a password: never printed. */
  readonly redisUrl: string;
  /** '' = the flag's or the default prefix. */
  readonly redisKeyPrefix: string;
  /** `serve` processes; 0 = one per CPU core; undefined = the flag's default (1). */
  readonly workers?: number | undefined;
}

const DEFAULTS: GateConfig = { maxFingerprints: DEFAULT_MAX_FINGERPRINTS, redisUrl: '', redisKeyPrefix: '' };

export function parseGateConfig(text: string): GateConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('config must be a JSON object');
  const o = doc as Record<string, unknown>;
  const workers = workersOf(o['workers']);
  return { maxFingerprints: maxFingerprintsOf(o['max_fingerprints']), ...redisOf(o['redis_url'], o['redis_key_prefix']), ...(workers === undefined ? {} : { workers }) };
}

/** An integer from 0 (one per CPU core, also written "auto") to MAX_WORKERS. */
function workersOf(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'auto') return 0;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0 || raw > MAX_WORKERS) {
    throw new Error(`workers must be an integer from 0 to ${MAX_WORKERS} or "auto", got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function maxFingerprintsOf(raw: unknown): number {
  if (raw === undefined || raw === null) return DEFAULT_MAX_FINGERPRINTS;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) {
    throw new Error(`max_fingerprints must be an integer, got ${JSON.stringify(raw)}`);
  }
  if (raw < -1) throw new Error(`max_fingerprints must be >= -1, got ${raw}`);
  return raw === 0 ? DEFAULT_MAX_FINGERPRINTS : raw;
}

/** The URL is never echoed in an error: it may carry the Redis password. */
function redisOf(url: unknown, prefix: unknown): { redisUrl: string; redisKeyPrefix: string } {
  if (url !== undefined && url !== null && url !== '' && (typeof url !== 'string' || !isRedisUrl(url))) {
    throw new Error('redis_url must be redis://[user:password@]host:port[/db] or rediss:// for TLS');
  }
  if (prefix !== undefined && prefix !== null && (typeof prefix !== 'string' || prefix.length > 64)) {
    throw new Error('redis_key_prefix must be a string of at most 64 characters');
  }
  return { redisUrl: typeof url === 'string' ? url : '', redisKeyPrefix: typeof prefix === 'string' ? prefix : '' };
}

/** A missing file or an empty path means defaults; any other read error is the caller's fatal. */
export function loadGateConfig(path: string): GateConfig {
  if (path === '') return DEFAULTS;
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULTS;
    throw err;
  }
  if (text.length > MAX_CONFIG_BYTES) throw new Error(`${path}: larger than ${MAX_CONFIG_BYTES} bytes`);
  return parseGateConfig(text.toString('utf8'));
}
