/**
 * Fingerprints of a client KEXINIT. The sshgate value must stay byte-identical to the original
 * Go tool so existing approval databases keep matching: it hashes the wire bytes of the first
 * eight name-lists and the guess flag, never a decoded string.
 */
import { createHash } from 'node:crypto';
import type { Kexinit } from './kexinit.js';

const SEMI = Buffer.from(';');

/** `kex;hostkey;enc_c2s;enc_s2c;mac_c2s;mac_s2c;comp_c2s;comp_s2c;true|false` as raw bytes. */
export function fingerprintMaterial(k: Kexinit): Buffer {
  const l = k.lists;
  const parts = [l.kex, l.hostKey, l.encC2S, l.encS2C, l.macC2S, l.macS2C, l.compC2S, l.compS2C,
    Buffer.from(k.firstKexPacketFollows ? 'true' : 'false')];
  const out: Buffer[] = [];
  parts.forEach((p, i) => { if (i > 0) out.push(SEMI); out.push(p); });
  return Buffer.concat(out);
}

/** The sshgate fingerprint: first 16 bytes of SHA-256 over the material, 32 lowercase hex chars. */
export function fingerprintOf(k: Kexinit): string {
  return createHash('sha256').update(fingerprintMaterial(k)).digest().subarray(0, 16).toString('hex');
}

/** HASSH algorithms string (salesforce/hassh): `kex;enc_c2s;mac_c2s;comp_c2s`. */
export function hasshMaterial(k: Kexinit): Buffer {
  const l = k.lists;
  return Buffer.concat([l.kex, SEMI, l.encC2S, SEMI, l.macC2S, SEMI, l.compC2S]);
}

/** HASSH: md5 of the HASSH algorithms string, lowercase hex. Stable across known_hosts reordering. */
export function hasshOf(k: Kexinit): string {
  return createHash('md5').update(hasshMaterial(k)).digest('hex');
}

export const FINGERPRINT_HEX_LENGTH = 32;

/** A full fingerprint as `approve --register` requires: exactly 32 lowercase hex characters. */
export function isFingerprintHash(s: string): boolean {
  return /^[0-9a-f]{32}$/.test(s);
}

/** Everything the store records about one sighting, as text columns. */
export interface FingerprintMaterial {
  readonly fingerprint: string;
  readonly hassh: string;
  readonly clientId: string;
  readonly raw: string;
  readonly kex: string;
  readonly hostKey: string;
  readonly cipherC2S: string;
  readonly cipherS2C: string;
  readonly macC2S: string;
  readonly macS2C: string;
  readonly compressC2S: string;
  readonly compressS2C: string;
  readonly firstKexGuess: boolean;
}

/**
 * Text form for storage and display. Name-lists are printable ASCII after strict parsing, so the
 * decoding is exact; an ident with non-UTF-8 bytes is stored with U+FFFD (display only, not hashed).
 */
export function describeKexinit(k: Kexinit, ident: Buffer): FingerprintMaterial {
  const t = (b: Buffer): string => b.toString('utf8');
  const l = k.lists;
  return {
    fingerprint: fingerprintOf(k),
    hassh: hasshOf(k),
    clientId: t(ident),
    raw: t(fingerprintMaterial(k)),
    kex: t(l.kex),
    hostKey: t(l.hostKey),
    cipherC2S: t(l.encC2S),
    cipherS2C: t(l.encS2C),
    macC2S: t(l.macC2S),
    macS2C: t(l.macS2C),
    compressC2S: t(l.compC2S),
    compressS2C: t(l.compS2C),
    firstKexGuess: k.firstKexPacketFollows,
  };
}
