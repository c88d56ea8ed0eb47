/**
 * Argon2id password verification. argon2 runs on libuv's thread pool, so a slow hash never blocks
 * the event loop. Unknown users are verified against a dummy hash so that "no such user" and
 * "wrong password" take the same time (no username enumeration by timing).
 */
import argon2 from 'argon2';

export interface Argon2Costs { memoryCost: number; timeCost: number; parallelism: number }
export const DEFAULT_ARGON2: Argon2Costs = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

let dummyHash: Promise<string> | undefined;
function getDummyHash(): Promise<string> {
  dummyHash ??= argon2.hash('sks5-dummy-password-for-timing', { type: argon2.argon2id, ...DEFAULT_ARGON2 });
  return dummyHash;
}

export async function hashPassword(password: string | Buffer, costs: Argon2Costs = DEFAULT_ARGON2): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, ...costs });
}

/**
 * True when `password` matches `hash`. The password buffer is zeroed before returning, whatever
 * the outcome, so the cleartext does not linger in memory.
 */
export async function verifyPassword(hash: string | undefined, password: Buffer): Promise<boolean> {
  try {
    // A hash that is not Argon2 (a placeholder left in the file) can never match; verifying the
    // dummy instead keeps its owner's failures as slow as anyone else's.
    if (!hash || !hash.startsWith('$argon2')) {
      await argon2.verify(await getDummyHash(), password).catch(() => false);
      return false;
    }
    return await argon2.verify(hash, password);
  } catch {
    return false;
  } finally {
    password.fill(0);
  }
}
