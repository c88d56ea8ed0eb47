/**
 * OpenSSH user certificates (PROTOCOL.certkeys), which ssh2 does not understand: we parse the
 * blob, verify the CA signature ourselves and apply OpenSSH's rules, with two deliberate
 * differences noted below. Pure: blob, trusted CAs, username, client address and time in; a
 * verdict out.
 *
 * - An empty principals list is refused (OpenSSH and the original sks5 accept it for any user).
 * - `force-command` is accepted but enforced strictly: we never run programs, so shell and exec are
 *   refused on the connection while forwarding keeps working (see key-options.ts).
 * - `source-address` is enforced; any other critical option refuses the certificate.
 */
import { SshReader, SshWireError, sshString } from './ssh-wire.js';
import { fingerprintOf, isPlainKeyType, parsePublicKeyBlob, readKeyFields, verifySshSignature, type PlainKeyType, type SshPublicKey } from './ssh-key.js';
import { compileSourceAddress } from './source-pattern.js';
import type { KeyRestrictions } from './key-options.js';

export const MAX_CERT_BLOB = 16 * 1024;
const MAX_PRINCIPALS = 256;

export const CERT_TYPES: Readonly<Record<string, PlainKeyType>> = {
  'ssh-ed25519-cert-v01@openssh.com': 'ssh-ed25519',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': 'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': 'ecdsa-sha2-nistp521',
  'ssh-rsa-cert-v01@openssh.com': 'ssh-rsa',
};

/** Userauth algorithm names a client may use with a certificate (RFC 8332 adds the rsa-sha2 ones). */
const USERAUTH_CERT_ALGOS: Readonly<Record<string, { blobType: string; sigAlgo: string | undefined }>> = {
  'ssh-ed25519-cert-v01@openssh.com': { blobType: 'ssh-ed25519-cert-v01@openssh.com', sigAlgo: 'ssh-ed25519' },
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': { blobType: 'ecdsa-sha2-nistp256-cert-v01@openssh.com', sigAlgo: 'ecdsa-sha2-nistp256' },
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': { blobType: 'ecdsa-sha2-nistp384-cert-v01@openssh.com', sigAlgo: 'ecdsa-sha2-nistp384' },
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': { blobType: 'ecdsa-sha2-nistp521-cert-v01@openssh.com', sigAlgo: 'ecdsa-sha2-nistp521' },
  'rsa-sha2-256-cert-v01@openssh.com': { blobType: 'ssh-rsa-cert-v01@openssh.com', sigAlgo: 'rsa-sha2-256' },
  'rsa-sha2-512-cert-v01@openssh.com': { blobType: 'ssh-rsa-cert-v01@openssh.com', sigAlgo: 'rsa-sha2-512' },
  // ssh-rsa-cert-v01 as a userauth algorithm means SHA-1 signatures: refused by verifySshSignature.
  'ssh-rsa-cert-v01@openssh.com': { blobType: 'ssh-rsa-cert-v01@openssh.com', sigAlgo: undefined },
};

export function isCertAlgorithm(algo: string): boolean {
  return Object.hasOwn(USERAUTH_CERT_ALGOS, algo);
}

export const SSH_CERT_TYPE_USER = 1;
export const SSH_CERT_TYPE_HOST = 2;

export interface SshCertificate {
  readonly type: string;
  /** The certified key: it signs the session. */
  readonly key: SshPublicKey;
  readonly serial: bigint;
  readonly certType: number;
  readonly keyId: string;
  readonly principals: readonly string[];
  /** seconds since epoch */
  readonly validAfter: bigint;
  readonly validBefore: bigint;
  readonly criticalOptions: ReadonlyMap<string, Buffer>;
  readonly extensions: ReadonlyMap<string, Buffer>;
  readonly signatureKey: SshPublicKey;
  /** The bytes the CA signed. */
  readonly signedPart: Buffer;
  readonly signature: Buffer;
  readonly blob: Buffer;
}

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}

function readNameValueList(data: Buffer, what: string): Map<string, Buffer> {
  const r = new SshReader(data);
  const out = new Map<string, Buffer>();
  let last = '';
  while (r.remaining > 0) {
    const name = r.text(`${what} name`, 256);
    const value = r.bytes(`${what} ${name} value`);
    // PROTOCOL.certkeys: each name at most once, in lexical order.
    if (out.has(name) || name < last) throw new SshWireError(`${what} are duplicated or out of order at "${name}"`);
    last = name;
    out.set(name, value);
    if (out.size > 64) throw new SshWireError(`too many ${what}`);
  }
  return out;
}

/** Parse a certificate blob. Throws CertificateError with the failing field. */
export function parseCertificate(blob: Buffer): SshCertificate {
  if (blob.length > MAX_CERT_BLOB) throw new CertificateError(`certificate is ${blob.length} bytes, limit ${MAX_CERT_BLOB}`);
  try {
    const r = new SshReader(blob);
    const type = r.text('certificate type', 64);
    const plain = CERT_TYPES[type];
    if (!plain) throw new CertificateError(`unsupported certificate type "${type}"`);
    r.bytes('nonce');
    const keyStart = r.offset;
    const keyObject = readKeyFields(plain, r);
    // The certified key re-encoded as a plain key blob, for fingerprints and messages.
    const keyBlob = Buffer.concat([sshString(plain), blob.subarray(keyStart, r.offset)]);
    const serial = r.uint64('serial');
    const certType = r.uint32('certificate role');
    const keyId = r.text('key id', 1024);
    const principalsReader = new SshReader(r.bytes('valid principals'));
    const principals: string[] = [];
    while (principalsReader.remaining > 0) {
      principals.push(principalsReader.text('principal', 256));
      if (principals.length > MAX_PRINCIPALS) throw new CertificateError(`more than ${MAX_PRINCIPALS} principals`);
    }
    const validAfter = r.uint64('valid after');
    const validBefore = r.uint64('valid before');
    const criticalOptions = readNameValueList(r.bytes('critical options'), 'critical options');
    const extensions = readNameValueList(r.bytes('extensions'), 'extensions');
    r.bytes('reserved');
    const caBlob = r.bytes('signature key');
    const signedPart = blob.subarray(0, r.offset);
    const signature = r.bytes('signature');
    r.end('certificate');
    let signatureKey: SshPublicKey;
    try {
      signatureKey = parsePublicKeyBlob(Buffer.from(caBlob));
    } catch (err) {
      throw new CertificateError(`CA key: ${(err as Error).message}`);
    }
    return {
      type, serial, certType, keyId, principals, validAfter, validBefore, criticalOptions, extensions, signatureKey, signature, blob, signedPart,
      key: { type: plain, key: keyObject, blob: keyBlob },
    };
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    if (err instanceof SshWireError) throw new CertificateError(`malformed certificate: ${err.message}`);
    throw err;
  }
}

/** A CA the operator trusts, parsed from an authorized_keys-format line. */
export interface TrustedCa {
  readonly key: SshPublicKey;
  readonly fingerprint: string;
  /** Restrict which principals this CA may vouch for (authorized_keys `principals=`); undefined = the username. */
  readonly principals?: readonly string[] | undefined;
}

/** Parse `security.trusted_user_ca_keys` entries (`ssh-ed25519 AAAA... comment`). */
export function parseTrustedCa(line: string): TrustedCa {
  const [type = '', b64 = ''] = line.trim().split(/\s+/);
  if (!isPlainKeyType(type)) throw new CertificateError(`trusted CA key: unsupported key type "${type.slice(0, 40)}"`);
  let key: SshPublicKey;
  try {
    key = parsePublicKeyBlob(Buffer.from(b64, 'base64'));
  } catch (err) {
    throw new CertificateError(`trusted CA key ${type}: ${(err as Error).message}`);
  }
  if (key.type !== type) throw new CertificateError(`trusted CA key: type "${type}" does not match the key data (${key.type})`);
  return { key, fingerprint: fingerprintOf(key.blob) };
}

/** Parse `security.trusted_user_ca_keys`; each error names its entry, for check-config. */
export function parseTrustedCas(lines: readonly string[]): { cas: TrustedCa[]; errors: string[] } {
  const cas: TrustedCa[] = [];
  const errors: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    try { cas.push(parseTrustedCa(line)); } catch (err) { errors.push(`security.trusted_user_ca_keys[${i}]: ${(err as Error).message}`); }
  });
  return { cas, errors };
}

export interface CertCheckInput {
  /** The userauth algorithm name the client used. */
  readonly algorithm: string;
  readonly blob: Buffer;
  readonly trustedCas: readonly TrustedCa[];
  readonly username: string;
  readonly clientIp: string;
  /** ms since epoch */
  readonly now: number;
}

export type CertVerdict =
  | { ok: true; cert: SshCertificate; caFingerprint: string; restrictions: KeyRestrictions; fingerprint: string }
  | { ok: false; reason: string };

const U64_MAX = 0xffff_ffff_ffff_ffffn;

function formatTime(secs: bigint): string {
  if (secs === U64_MAX) return 'forever';
  const ms = Number(secs) * 1000;
  return Number.isFinite(ms) && ms < 8.64e15 ? new Date(ms).toISOString() : String(secs);
}

/** Everything but the session signature: CA trust and signature, role, window, principals, options. */
export function checkCertificate(input: CertCheckInput): CertVerdict {
  const algo = USERAUTH_CERT_ALGOS[input.algorithm];
  if (!algo) return { ok: false, reason: `unsupported certificate algorithm ${input.algorithm}` };
  let cert: SshCertificate;
  try {
    cert = parseCertificate(input.blob);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (cert.type !== algo.blobType) return { ok: false, reason: `certificate type ${cert.type} does not match algorithm ${input.algorithm}` };
  const id = `certificate "${cert.keyId}" serial ${cert.serial}`;
  const ca = input.trustedCas.find((c) => c.key.blob.equals(cert.signatureKey.blob));
  if (!ca) return { ok: false, reason: `${id} is signed by an untrusted CA ${fingerprintOf(cert.signatureKey.blob)}` };
  const sigError = verifySshSignature(cert.signatureKey, cert.signedPart, cert.signature);
  if (sigError) return { ok: false, reason: `${id}: CA signature invalid (${sigError})` };
  if (cert.certType !== SSH_CERT_TYPE_USER) return { ok: false, reason: `${id} is a host certificate, not a user certificate` };
  const nowSecs = BigInt(Math.floor(input.now / 1000));
  if (nowSecs < cert.validAfter) return { ok: false, reason: `${id} is not valid before ${formatTime(cert.validAfter)}` };
  if (nowSecs >= cert.validBefore) return { ok: false, reason: `${id} expired at ${formatTime(cert.validBefore)}` };
  if (cert.principals.length === 0) return { ok: false, reason: `${id} has no principals (refused: it would be valid for every user)` };
  const allowedNames = ca.principals ?? [input.username];
  if (!cert.principals.some((p) => allowedNames.includes(p))) {
    return { ok: false, reason: `${id} principals [${cert.principals.join(', ')}] do not include ${allowedNames.join(' or ')}` };
  }
  let forcedCommand: string | undefined;
  for (const [name, value] of cert.criticalOptions) {
    try {
      const inner = new SshReader(value);
      if (name === 'source-address') {
        const list = inner.text('source-address', 4096);
        if (!compileSourceAddress(list).matches(input.clientIp)) return { ok: false, reason: `${id} not valid from ${input.clientIp} (source-address ${list})` };
      } else if (name === 'force-command') {
        forcedCommand = inner.text('force-command', 4096);
      } else {
        return { ok: false, reason: `${id} has unsupported critical option "${name}"` };
      }
    } catch (err) {
      return { ok: false, reason: `${id} critical option ${name}: ${(err as Error).message}` };
    }
  }
  return {
    ok: true,
    cert,
    caFingerprint: ca.fingerprint,
    fingerprint: fingerprintOf(input.blob),
    restrictions: Object.freeze({
      portForwarding: cert.extensions.has('permit-port-forwarding'),
      pty: cert.extensions.has('permit-pty'),
      forcedCommand,
      permitOpen: undefined,
    }),
  };
}

/**
 * The session signature of a certificate login is made with the certificate's inner key, over
 * the RFC 4252 7 data ssh2 hands us as `ctx.blob`. `signature` is the raw SSH signature blob
 * (ssh2 leaves it untouched for certificate algorithms).
 */
export function verifyCertSessionSignature(algorithm: string, cert: SshCertificate, signedData: Buffer, signature: Buffer): string | undefined {
  const algo = USERAUTH_CERT_ALGOS[algorithm];
  if (!algo) return `unsupported certificate algorithm ${algorithm}`;
  try {
    const r = new SshReader(signature);
    const sigAlgo = r.text('signature algorithm', 64);
    if (algo.sigAlgo === undefined || sigAlgo !== algo.sigAlgo) {
      if (sigAlgo === 'ssh-rsa') return 'ssh-rsa (SHA-1) signatures are refused; use rsa-sha2-256 or rsa-sha2-512';
      return `signature algorithm ${sigAlgo} does not match ${algorithm}`;
    }
  } catch (err) {
    return `malformed signature: ${(err as Error).message}`;
  }
  return verifySshSignature(cert.key, signedData, signature);
}
