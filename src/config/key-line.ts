/**
 * One authorized_keys line, checked at load so a pasted key with a missing character fails
 * `check-config` with its key path instead of silently never matching at login.
 * Format (sshd(8) AUTHORIZED_KEYS FILE FORMAT): `[options] type base64 [comment]`.
 */
import { parsePublicKeyBlob } from '../auth/ssh-key.js';

export const MAX_KEY_LINE_LENGTH = 16 * 1024;

const OTHER_TYPES = new Set([
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-ed25519-cert-v01@openssh.com',
  'ssh-rsa-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'sk-ssh-ed25519-cert-v01@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
]);
const PLAIN_TYPES = new Set(['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);

export interface KeyLine {
  readonly options: string | undefined;
  readonly type: string;
  readonly blob: Buffer;
  readonly comment: string | undefined;
}

/** Splits on spaces outside double quotes (options such as from="a, b" contain spaces). */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && quoted && i + 1 < line.length) {
      cur += c + line[++i];
    } else if (c === '"') {
      quoted = !quoted;
      cur += c;
    } else if ((c === ' ' || c === '\t') && !quoted) {
      if (cur !== '') out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  if (cur !== '') out.push(cur);
  return out;
}

function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  return len > 0 && len <= 64 && 4 + len <= blob.length ? blob.subarray(4, 4 + len).toString('latin1') : undefined;
}

/** Returns the parsed line, or a message saying what is wrong with it. */
export function parseKeyLine(line: string): KeyLine | string {
  if (line.length > MAX_KEY_LINE_LENGTH) return `longer than ${MAX_KEY_LINE_LENGTH} characters`;
  const t = tokens(line.trim());
  if (t.length === 0) return 'empty key line';
  let options: string | undefined;
  let i = 0;
  if (!PLAIN_TYPES.has(t[0] as string) && !OTHER_TYPES.has(t[0] as string)) {
    options = t[0];
    i = 1;
  }
  const type = t[i];
  const b64 = t[i + 1];
  if (type === undefined || b64 === undefined) return 'expected "TYPE BASE64 [comment]", e.g. "ssh-ed25519 AAAAC3... user@host"';
  if (!PLAIN_TYPES.has(type) && !OTHER_TYPES.has(type)) return `unsupported key type "${type.slice(0, 64)}"`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return 'the key data is not valid base64 (truncated when pasted?)';
  const blob = Buffer.from(b64, 'base64');
  const inner = blobType(blob);
  if (inner !== type) return `the key data says "${(inner ?? '?').slice(0, 64)}" but the line says "${type}"`;
  if (PLAIN_TYPES.has(type)) {
    try {
      parsePublicKeyBlob(blob);
    } catch (err) {
      return `invalid ${type} key: ${(err as Error).message}`;
    }
  }
  const comment = t.slice(i + 2).join(' ');
  return { options, type, blob, comment: comment === '' ? undefined : comment };
}
