/**
 * CHANNEL_OPEN_FAILURE with our reason code and description. ssh2's `reject()` for an incoming
 * channel open always sends an empty description and picks the reason itself, so a client would
 * only see "open failed: connect failed". RFC 4254 5.1 lets the server say why, and OpenSSH prints
 * it ("channel 3: open failed: administratively prohibited: not allowed"), so we substitute ours.
 *
 * This is the one place that reaches into ssh2's `Connection._protocol.channelOpenFail` (a
 * synchronous call made inside `reject()`); if a future ssh2 changes it, we fall back to the plain
 * reject and a unit test fails. `fast_paths.ssh_open_failure_reason = false` (passed as `substitute`)
 * makes the plain reject the only path, for an operator whose ssh2 misbehaves with the substitution.
 */
import type { Connection } from 'ssh2';

type ChannelOpenFail = (recipient: number, reason: number, description: string) => unknown;
interface ProtocolLike { channelOpenFail?: ChannelOpenFail }

/** Returns true when our reason and description were sent, false when ssh2's defaults were. */
export function rejectChannelOpen(conn: Connection, reject: () => void, reason: number, description: string, substitute = true): boolean {
  const proto = substitute ? (conn as unknown as { _protocol?: ProtocolLike })._protocol : undefined;
  const original = proto?.channelOpenFail;
  if (!proto || typeof original !== 'function') {
    reject();
    return false;
  }
  let substituted = false;
  const hadOwn = Object.hasOwn(proto, 'channelOpenFail');
  proto.channelOpenFail = function (this: unknown, recipient: number) {
    substituted = true;
    // Descriptions are UTF-8 text for a terminal: strip control characters, keep it short.
    return original.call(this, recipient, reason, description.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 256));
  };
  try {
    reject();
  } finally {
    if (hadOwn) proto.channelOpenFail = original;
    else delete proto.channelOpenFail;
  }
  return substituted;
}
