/**
 * `server.allowed_ciphers` / `server.allowed_kex` (dead keys in the original) turned into ssh2's
 * `algorithms` option. Names are checked against what this ssh2 build supports, so a typo fails at
 * start-up with the list of valid names instead of silently leaving the defaults in place.
 */
import { createRequire } from 'node:module';

interface Ssh2Constants {
  SUPPORTED_KEX: readonly string[];
  SUPPORTED_CIPHER: readonly string[];
}

// ssh2 does not export its algorithm tables; this path is stable across 1.x.
const constants = createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as Ssh2Constants;

export const SUPPORTED_KEX: readonly string[] = constants.SUPPORTED_KEX;
export const SUPPORTED_CIPHERS: readonly string[] = constants.SUPPORTED_CIPHER;

export class AlgorithmConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlgorithmConfigError';
  }
}

function checkList(key: string, names: readonly string[], supported: readonly string[]): string[] {
  const unknown = names.filter((n) => !supported.includes(n));
  if (unknown.length > 0) {
    throw new AlgorithmConfigError(`${key}: unsupported ${unknown.map((n) => `"${n}"`).join(', ')}; supported: ${supported.join(', ')}`);
  }
  return [...new Set(names)];
}

export interface Ssh2Algorithms {
  kex?: string[];
  cipher?: string[];
}

/** Empty lists keep ssh2's defaults. Throws AlgorithmConfigError naming the key and the bad names. */
export function buildAlgorithms(allowedCiphers: readonly string[], allowedKex: readonly string[]): Ssh2Algorithms {
  const out: Ssh2Algorithms = {};
  if (allowedKex.length > 0) out.kex = checkList('server.allowed_kex', allowedKex, SUPPORTED_KEX);
  if (allowedCiphers.length > 0) out.cipher = checkList('server.allowed_ciphers', allowedCiphers, SUPPORTED_CIPHERS);
  return out;
}

/** ssh2 writes `SSH-2.0-` itself before `ident`; the config value carries the full identification. */
export function identFromServerId(serverId: string): string {
  const ident = serverId.startsWith('SSH-2.0-') ? serverId.slice('SSH-2.0-'.length) : serverId;
  // RFC 4253 4.2: printable US-ASCII, no spaces before the comments part, 255 bytes max with CRLF.
  if (ident === '' || !/^[\x21-\x7e][\x20-\x7e]*$/.test(ident) || ident.length > 245) {
    throw new AlgorithmConfigError(`server.server_id "${serverId}" is not a valid SSH identification (printable ASCII, at most 253 characters)`);
  }
  return ident;
}
