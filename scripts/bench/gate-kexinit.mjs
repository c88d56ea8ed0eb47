// The KEXINIT the gate benchmarks send (scripts/bench-gate.mjs, and the shared socks-bench.mjs
// --ssh-kex sends the same bytes), and the sshgate fingerprint of it, so a bench can approve that
// client before measuring (a pending client would be held back and not measure the relay).
import { createHash } from 'node:crypto';

export function kexinitPacket() {
  const list = (s) => { const b = Buffer.from(s); const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
  const names = ['curve25519-sha256', 'ssh-ed25519', 'aes128-ctr', 'aes128-ctr', 'hmac-sha2-256', 'hmac-sha2-256', 'none', 'none', '', ''];
  const payload = Buffer.concat([Buffer.from([20]), Buffer.alloc(16, 1), ...names.map(list), Buffer.alloc(5)]);
  let pad = 8 - ((payload.length + 5) % 8); if (pad < 4) pad += 8;
  const h = Buffer.alloc(5); h.writeUInt32BE(payload.length + pad + 1); h[4] = pad;
  return Buffer.concat([h, payload, Buffer.alloc(pad)]);
}

/** sshgate's fingerprint of kexinitPacket(): sha256 over the eight algorithm lists and first_kex_follows. */
export function benchFingerprint() {
  const pkt = kexinitPacket();
  const payload = pkt.subarray(5, pkt.length - pkt[4]);
  const lists = [];
  let off = 17;
  for (let i = 0; i < 8; i++) { const n = payload.readUInt32BE(off); lists.push(payload.subarray(off + 4, off + 4 + n).toString()); off += 4 + n; }
  return createHash('sha256').update([...lists, 'false'].join(';')).digest('hex').slice(0, 32);
}
