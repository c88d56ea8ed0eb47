/** Shared inputs for the config unit tests: a real Argon2id hash and real public key lines. */
import { generateKeyPairSync } from 'node:crypto';

/** Argon2id of "secret" with the default costs. */
export const SECRET_HASH = '$argon2id$v=19$m=19456,t=2,p=1$wmsSEy/Z9hgyaFaLBXtexw$ymnXIPhWuv318TMnemi8kGV+OFAODHXtp6fLm4LUBOU';

function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

/** A fresh `ssh-ed25519 AAAA... comment` line. */
export function ed25519Line(comment = 'test@host'): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

export function minimalToml(extra = ''): string {
  return `${extra}\n[[users]]\nusername = "alice"\npassword_hash = "${SECRET_HASH}"\n`;
}
