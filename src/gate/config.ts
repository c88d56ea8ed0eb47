/**
 * sshgate's `config.json`. Only `max_fingerprints` exists; unknown keys are ignored like Go's
 * json.Unmarshal, so a gatekit-era file with extra sections still loads.
 */
import { readFileSync } from 'node:fs';

export const DEFAULT_MAX_FINGERPRINTS = 100_000;
/** A config file larger than this is refused rather than parsed (it should be a few bytes). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface GateConfig {
  /** Effective cap: 100000 when unset or 0, -1 for unlimited. */
  readonly maxFingerprints: number;
}

export function parseGateConfig(text: string): GateConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('config must be a JSON object');
  const raw = (doc as Record<string, unknown>)['max_fingerprints'];
  if (raw === undefined || raw === null) return { maxFingerprints: DEFAULT_MAX_FINGERPRINTS };
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) {
    throw new Error(`max_fingerprints must be an integer, got ${JSON.stringify(raw)}`);
  }
  if (raw < -1) throw new Error(`max_fingerprints must be >= -1, got ${raw}`);
  return { maxFingerprints: raw === 0 ? DEFAULT_MAX_FINGERPRINTS : raw };
}

/** A missing file or an empty path means defaults; any other read error is the caller's fatal. */
export function loadGateConfig(path: string): GateConfig {
  if (path === '') return { maxFingerprints: DEFAULT_MAX_FINGERPRINTS };
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { maxFingerprints: DEFAULT_MAX_FINGERPRINTS };
    throw err;
  }
  if (text.length > MAX_CONFIG_BYTES) throw new Error(`${path}: larger than ${MAX_CONFIG_BYTES} bytes`);
  return parseGateConfig(text.toString('utf8'));
}
