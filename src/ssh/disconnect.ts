/**
 * SSH_MSG_DISCONNECT with a description. ssh2's `Protocol.disconnect(reason)` always sends an empty
 * description, yet OpenSSH prints the server's text ("Received disconnect from 192.0.2.1 port 22:11:
 * maintenance: back at 14:00"), which is the one place a refused client can be told why once the
 * SSH handshake has started. RFC 4253 11.1 allows DISCONNECT at any time, also during key exchange.
 *
 * Like open-failure.ts, this reaches into ssh2's internals (`Connection._protocol`, its packet writer
 * and cipher, the same calls `Protocol.disconnect` makes); when their shape is not what we expect we
 * fall back to ssh2's own `end()` (no text) and a unit test fails loudly. `fast_paths.ssh_disconnect_text
 * = false` (passed as `withText`) skips the internals altogether: ssh2's public `end()`, which sends
 * DISCONNECT 11 (by application) with an empty description, so OpenSSH prints no reason.
 */
import type { Connection } from 'ssh2';

/** RFC 4253 11.1 reason codes we send. */
export const DISCONNECT = { BY_APPLICATION: 11, NO_MORE_AUTH_METHODS_AVAILABLE: 14 } as const;

const MSG_DISCONNECT = 1;
/** A line for a terminal: OpenSSH prints at most about 900 bytes of it. */
export const MAX_DISCONNECT_TEXT = 512;

interface PacketWriter {
  allocStartKEX: number;
  alloc(len: number, forceNoCipher?: boolean): Buffer;
  finalize(packet: Buffer, forceNoCipher?: boolean): Buffer;
}
interface ProtocolShape { _packetRW?: { write?: PacketWriter }; _cipher?: { encrypt(packet: Buffer): void } }

/** Control characters could move a client's cursor or fake lines: replaced by spaces, length capped. */
export function disconnectText(text: string): string {
  const clean = text.replace(/[\x00-\x1f\x7f]/g, ' ');
  return Buffer.byteLength(clean) <= MAX_DISCONNECT_TEXT ? clean : Buffer.from(clean).subarray(0, MAX_DISCONNECT_TEXT).toString('utf8').replace(/\uFFFD$/, '');
}

/** True when the internals have the shape this module writes through. */
export function canSendDisconnect(conn: Connection): boolean {
  const proto = (conn as unknown as { _protocol?: ProtocolShape })._protocol;
  const w = proto?._packetRW?.write;
  return typeof w?.alloc === 'function' && typeof w.finalize === 'function' && typeof w.allocStartKEX === 'number' && typeof proto?._cipher?.encrypt === 'function';
}

/**
 * Sends DISCONNECT(reason, text) then ends the connection; returns false when only `end()` was used
 * (internals not as expected, or `withText` false: the operator switched this fast path off).
 */
export function sendDisconnect(conn: Connection, reason: number, text: string, withText = true): boolean {
  if (!withText || !canSendDisconnect(conn)) {
    conn.end();
    return false;
  }
  const proto = (conn as unknown as { _protocol: Required<ProtocolShape> })._protocol;
  const w = proto._packetRW.write as PacketWriter;
  const desc = Buffer.from(disconnectText(text), 'utf8');
  let p = w.allocStartKEX;
  const packet = w.alloc(1 + 4 + 4 + desc.length + 4, true);
  packet[p] = MSG_DISCONNECT;
  packet.writeUInt32BE(reason, p += 1);
  packet.writeUInt32BE(desc.length, p += 4);
  desc.copy(packet, p += 4);
  packet.writeUInt32BE(0, p + desc.length); // language tag: empty
  proto._cipher.encrypt(w.finalize(packet, true));
  conn.end();
  return true;
}
