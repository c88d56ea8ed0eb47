/**
 * The SSH host key: an Ed25519 key at `server.host_key_path`, generated on first start and reused
 * after, so clients' known_hosts entries stay valid. Written atomically with mode 0600 (a crash
 * never leaves a half-written or world-readable key). The original sks5 wrote PKCS#8 PEM; such a
 * file is read as is and converted in memory to the OpenSSH format ssh2 parses, so a migrated
 * bastion keeps its identity.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import ssh2 from 'ssh2';
import { sshString } from '../auth/ssh-wire.js';
import { fingerprintOf } from '../auth/ssh-key.js';

const MAX_HOST_KEY_FILE = 64 * 1024;

export interface HostKey {
  /** OpenSSH-format private key, as ssh2's `hostKeys` wants it. */
  readonly privateKey: string;
  readonly type: string;
  /** SHA256 fingerprint, as `ssh-keygen -l` and the client's "host key" message print it. */
  readonly fingerprint: string;
  readonly generated: boolean;
  /** Set when the file is readable by group/others: the caller logs it. */
  readonly warning: string | undefined;
}

export class HostKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostKeyError';
  }
}

function parsed(privateKey: string, path: string): { type: string; fingerprint: string } {
  const k = ssh2.utils.parseKey(privateKey);
  if (k instanceof Error) throw new HostKeyError(`${path}: not a usable SSH private key (${k.message})`);
  const key = Array.isArray(k) ? k[0] : k;
  if (!key || key.isPrivateKey() !== true) throw new HostKeyError(`${path}: contains a public key, expected a private key`);
  return { type: key.type, fingerprint: fingerprintOf(key.getPublicSSH()) };
}

/** Encode an Ed25519 KeyObject in the "openssh-key-v1" format, unencrypted (PROTOCOL.key). */
export function ed25519ToOpenSsh(key: KeyObject, comment = ''): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) throw new HostKeyError('expected an Ed25519 private key');
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  let priv = Buffer.concat([check, check, sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const pad: number[] = [];
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''), count, sshString(pubBlob), sshString(priv),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function readExisting(path: string): HostKey {
  const st = statSync(path);
  if (!st.isFile()) throw new HostKeyError(`${path}: host key path is not a regular file`);
  if (st.size > MAX_HOST_KEY_FILE) throw new HostKeyError(`${path}: ${st.size} bytes is too large for a host key`);
  let text = readFileSync(path, 'utf8');
  if (text.includes('-----BEGIN PRIVATE KEY-----')) {
    // The original's PKCS#8 file: convert, do not rewrite (the operator may still run the old binary).
    try {
      text = ed25519ToOpenSsh(createPrivateKey(text), 'sks5 host key');
    } catch (err) {
      throw new HostKeyError(`${path}: PKCS#8 key is not a usable Ed25519 key (${(err as Error).message})`, { cause: err });
    }
  }
  const { type, fingerprint } = parsed(text, path);
  const warning = (st.mode & 0o077) !== 0 ? `${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it` : undefined;
  return { privateKey: text, type, fingerprint, generated: false, warning };
}

function writeAtomically(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Load the host key at `path`, or generate and store a new Ed25519 key when the file is absent. */
export function loadOrCreateHostKey(path: string): HostKey {
  try {
    return readExisting(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof HostKeyError) throw err;
      throw new HostKeyError(`${path}: cannot read host key (${(err as Error).message})`, { cause: err });
    }
  }
  // ssh2's own generateKeyPairSync('ed25519') now and then writes a key its parser rejects
  // (about 1 in 300 here), so we encode the key ourselves and prove it parses before storing it.
  let lastErr: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const text = ed25519ToOpenSsh(generateKeyPairSync('ed25519').privateKey, 'sks5 host key');
    try {
      const { type, fingerprint } = parsed(text, path);
      writeAtomically(path, text);
      return { privateKey: text, type, fingerprint, generated: true, warning: undefined };
    } catch (err) {
      lastErr = err;
    }
  }
  throw new HostKeyError(`${path}: could not generate a usable host key (${(lastErr as Error).message})`, { cause: lastErr });
}
