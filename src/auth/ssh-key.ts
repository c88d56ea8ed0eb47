/**
 * SSH public keys as node:crypto KeyObjects, and SSH signatures verified with them. ssh2 verifies
 * plain keys for us, but not certificates (neither the CA signature nor the session signature made
 * with the certificate's inner key), so this module speaks the raw formats: RFC 4253 6.6 (ssh-rsa),
 * RFC 5656 3.1 (ecdsa), RFC 8709 (ed25519) and RFC 8332 (rsa-sha2-256/512).
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { SshReader, SshWireError } from './ssh-wire.js';

export type PlainKeyType = 'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521' | 'ssh-rsa';

export interface SshPublicKey {
  readonly type: PlainKeyType;
  readonly key: KeyObject;
  /** The wire blob, as it appears in authorized_keys (base64) and in userauth requests. */
  readonly blob: Buffer;
}

const CURVES = {
  'ecdsa-sha2-nistp256': { crv: 'P-256', ident: 'nistp256', size: 32, hash: 'sha256' },
  'ecdsa-sha2-nistp384': { crv: 'P-384', ident: 'nistp384', size: 48, hash: 'sha384' },
  'ecdsa-sha2-nistp521': { crv: 'P-521', ident: 'nistp521', size: 66, hash: 'sha512' },
} as const;
type EcdsaType = keyof typeof CURVES;

const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 16384;

function isEcdsa(t: string): t is EcdsaType {
  return Object.hasOwn(CURVES, t);
}

const b64url = (b: Buffer): string => b.toString('base64url');

/** `SHA256:<base64, no padding>`, as `ssh-keygen -l` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Read the key fields of `type` from `r` (a key blob after its type string, or a certificate
 * after its nonce) and build the KeyObject. Throws SshWireError on malformed input.
 */
export function readKeyFields(type: PlainKeyType, r: SshReader): KeyObject {
  try {
    if (type === 'ssh-ed25519') {
      const pk = r.bytes('ed25519 public key');
      if (pk.length !== 32) throw new SshWireError(`ed25519 public key is ${pk.length} bytes, expected 32`);
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(pk) }, format: 'jwk' });
    }
    if (isEcdsa(type)) {
      const curve = CURVES[type];
      const ident = r.text('ecdsa curve name', 32);
      if (ident !== curve.ident) throw new SshWireError(`ecdsa curve "${ident}" does not match key type ${type}`);
      const q = r.bytes('ecdsa point');
      if (q.length !== 1 + 2 * curve.size || q[0] !== 0x04) throw new SshWireError(`ecdsa point is not an uncompressed ${curve.crv} point`);
      const x = q.subarray(1, 1 + curve.size);
      const y = q.subarray(1 + curve.size);
      return createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64url(x), y: b64url(y) }, format: 'jwk' });
    }
    const e = r.mpint('rsa exponent');
    const n = r.mpint('rsa modulus');
    const bits = n.length * 8;
    if (bits < MIN_RSA_BITS - 8 || bits > MAX_RSA_BITS) throw new SshWireError(`rsa modulus of about ${bits} bits is outside ${MIN_RSA_BITS}..${MAX_RSA_BITS}`);
    return createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' });
  } catch (err) {
    if (err instanceof SshWireError) throw err;
    throw new SshWireError(`invalid ${type} key: ${(err as Error).message}`);
  }
}

export function isPlainKeyType(t: string): t is PlainKeyType {
  return t === 'ssh-ed25519' || t === 'ssh-rsa' || isEcdsa(t);
}

/** Parse a plain public key blob (not a certificate). */
export function parsePublicKeyBlob(blob: Buffer): SshPublicKey {
  const r = new SshReader(blob);
  const type = r.text('key type', 64);
  if (!isPlainKeyType(type)) throw new SshWireError(`unsupported key type "${type}"`);
  const key = readKeyFields(type, r);
  r.end('public key');
  return { type, key, blob };
}

/**
 * Verify an SSH signature blob (`string algo, string sig`) over `data`. SHA-1 RSA (`ssh-rsa`
 * signatures) is refused: OpenSSH itself disabled it in 8.8.
 * Returns an error text, or undefined when the signature is good.
 */
export function verifySshSignature(key: SshPublicKey | { type: PlainKeyType; key: KeyObject }, data: Buffer, signatureBlob: Buffer): string | undefined {
  let algo: string;
  let sig: Buffer;
  try {
    const r = new SshReader(signatureBlob);
    algo = r.text('signature algorithm', 64);
    sig = r.bytes('signature');
    r.end('signature');
  } catch (err) {
    return `malformed signature: ${(err as Error).message}`;
  }
  try {
    if (key.type === 'ssh-ed25519') {
      if (algo !== 'ssh-ed25519') return `signature algorithm ${algo} does not match an ed25519 key`;
      return cryptoVerify(null, data, key.key, sig) ? undefined : 'bad signature';
    }
    if (isEcdsa(key.type)) {
      if (algo !== key.type) return `signature algorithm ${algo} does not match an ${key.type} key`;
      const curve = CURVES[key.type];
      const r = new SshReader(sig);
      const rr = r.mpint('ecdsa r');
      const ss = r.mpint('ecdsa s');
      r.end('ecdsa signature');
      if (rr.length > curve.size || ss.length > curve.size) return 'ecdsa signature values too long';
      const p1363 = Buffer.concat([leftPad(rr, curve.size), leftPad(ss, curve.size)]);
      return cryptoVerify(curve.hash, data, { key: key.key, dsaEncoding: 'ieee-p1363' }, p1363) ? undefined : 'bad signature';
    }
    if (algo === 'ssh-rsa') return 'ssh-rsa (SHA-1) signatures are refused; use rsa-sha2-256 or rsa-sha2-512';
    if (algo !== 'rsa-sha2-256' && algo !== 'rsa-sha2-512') return `signature algorithm ${algo} does not match an rsa key`;
    const modulusBytes = Math.ceil((key.key.asymmetricKeyDetails?.modulusLength ?? sig.length * 8) / 8);
    if (sig.length > modulusBytes) return 'rsa signature longer than the modulus';
    const hash = algo === 'rsa-sha2-256' ? 'sha256' : 'sha512';
    return cryptoVerify(hash, data, key.key, leftPad(sig, modulusBytes)) ? undefined : 'bad signature';
  } catch (err) {
    return `signature check failed: ${(err as Error).message}`;
  }
}

function leftPad(b: Buffer, size: number): Buffer {
  if (b.length >= size) return b;
  return Buffer.concat([Buffer.alloc(size - b.length), b]);
}
