/**
 * PROXY protocol v1 (text) and v2 (binary) header parser, for an SSH listener behind HAProxy or a
 * cloud load balancer (haproxy.org/download/2.9/doc/proxy-protocol.txt). Pure and bounded: feed
 * it the bytes received so far; it answers "need more", an error, or the client address and how
 * many bytes the header used. "Not enough bytes yet" is normal: a header may arrive in pieces.
 */
import { isIP } from 'node:net';
import { compileIpList, formatIp, unmapIpv4 } from '../policy/ip-address.js';

/** v1 lines are at most 107 bytes including CRLF (spec section 2.1). */
export const MAX_V1_LENGTH = 107;
/** Address block + TLVs we accept in v2; HAProxy's TLVs (ALPN, authority, SSL) fit easily. */
export const MAX_V2_PAYLOAD = 2048;
export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_PREFIX = Buffer.from('PROXY ');

export type ProxyParse =
  | { kind: 'need-more' }
  | { kind: 'error'; message: string }
  /** `source` is absent for v1 UNKNOWN and v2 LOCAL (health checks): use the socket's peer. */
  | { kind: 'done'; consumed: number; source: { ip: string; port: number } | undefined };

function needOrError(buf: Buffer, prefix: Buffer): ProxyParse | undefined {
  const n = Math.min(buf.length, prefix.length);
  if (!buf.subarray(0, n).equals(prefix.subarray(0, n))) return undefined;
  return buf.length < prefix.length ? { kind: 'need-more' } : undefined;
}

export function parseProxyHeader(buf: Buffer): ProxyParse {
  if (buf.length === 0) return { kind: 'need-more' };
  if (buf[0] === 0x0d) {
    const partial = needOrError(buf, V2_SIGNATURE);
    if (partial) return partial;
    if (!buf.subarray(0, Math.min(buf.length, 12)).equals(V2_SIGNATURE.subarray(0, Math.min(buf.length, 12)))) {
      return { kind: 'error', message: 'not a PROXY protocol header (bad v2 signature)' };
    }
    return parseV2(buf);
  }
  if (buf[0] === 0x50 /* P */) {
    const partial = needOrError(buf, V1_PREFIX);
    if (partial) return partial;
    if (!buf.subarray(0, Math.min(buf.length, 6)).equals(V1_PREFIX.subarray(0, Math.min(buf.length, 6)))) {
      return { kind: 'error', message: 'not a PROXY protocol header' };
    }
    return parseV1(buf);
  }
  return { kind: 'error', message: 'not a PROXY protocol header (expected "PROXY " or the v2 signature)' };
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text) || (text.length > 1 && text.startsWith('0'))) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

function parseV1(buf: Buffer): ProxyParse {
  const window = buf.subarray(0, MAX_V1_LENGTH);
  const cr = window.indexOf('\r\n');
  if (cr === -1) {
    return buf.length >= MAX_V1_LENGTH
      ? { kind: 'error', message: `PROXY v1 line longer than ${MAX_V1_LENGTH} bytes` }
      : { kind: 'need-more' };
  }
  const line = window.subarray(0, cr).toString('latin1');
  const consumed = cr + 2;
  const parts = line.split(' ');
  if (parts[1] === 'UNKNOWN') return { kind: 'done', consumed, source: undefined };
  if (parts.length !== 6) return { kind: 'error', message: `PROXY v1: expected 6 fields, got ${parts.length}` };
  const [, proto, src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const family = proto === 'TCP4' ? 4 : proto === 'TCP6' ? 6 : 0;
  if (family === 0) return { kind: 'error', message: `PROXY v1: unknown protocol "${proto.slice(0, 16)}"` };
  if (isIP(src) !== family || isIP(dst) !== family) return { kind: 'error', message: `PROXY v1: addresses are not ${proto} addresses` };
  const port = parsePort(sport);
  if (port === undefined || parsePort(dport) === undefined) return { kind: 'error', message: 'PROXY v1: invalid port' };
  return { kind: 'done', consumed, source: { ip: src, port } };
}

function parseV2(buf: Buffer): ProxyParse {
  if (buf.length < 16) return { kind: 'need-more' };
  const verCmd = buf[12]!;
  const famProto = buf[13]!;
  const len = buf.readUInt16BE(14);
  if (verCmd >> 4 !== 2) return { kind: 'error', message: `PROXY v2: unsupported version ${verCmd >> 4}` };
  const cmd = verCmd & 0x0f;
  if (cmd > 1) return { kind: 'error', message: `PROXY v2: unknown command ${cmd}` };
  if (len > MAX_V2_PAYLOAD) return { kind: 'error', message: `PROXY v2: header payload of ${len} bytes exceeds ${MAX_V2_PAYLOAD}` };
  if (buf.length < 16 + len) return { kind: 'need-more' };
  const consumed = 16 + len;
  // LOCAL: the proxy speaking for itself (health check); the peer address is the real one.
  if (cmd === 0) return { kind: 'done', consumed, source: undefined };
  const body = buf.subarray(16, 16 + len);
  const family = famProto >> 4;
  const transport = famProto & 0x0f;
  if (transport !== 1 /* STREAM */ && family !== 0) return { kind: 'error', message: 'PROXY v2: only TCP (STREAM) is supported' };
  if (family === 1) {
    if (len < 12) return { kind: 'error', message: 'PROXY v2: IPv4 address block truncated' };
    const ip = [...body.subarray(0, 4)].join('.');
    return { kind: 'done', consumed, source: { ip, port: body.readUInt16BE(8) } };
  }
  if (family === 2) {
    if (len < 36) return { kind: 'error', message: 'PROXY v2: IPv6 address block truncated' };
    const value = BigInt(`0x${body.subarray(0, 16).toString('hex')}`);
    // An IPv4-mapped source is the IPv4 client it maps, for bans and ACLs alike.
    return { kind: 'done', consumed, source: { ip: formatIp(unmapIpv4({ family: 6, value })), port: body.readUInt16BE(32) } };
  }
  if (family === 0) return { kind: 'done', consumed, source: undefined };
  return { kind: 'error', message: `PROXY v2: unsupported address family ${family}` };
}

/** Compile `proxy_protocol_trusted_cidrs` once; only those peers may speak for someone else. */
export function compileTrustedProxies(cidrs: readonly string[]): (peerIp: string) => boolean {
  const trusted = compileIpList(cidrs, 'server.proxy_protocol_trusted_cidrs');
  return (peerIp) => trusted.contains(peerIp);
}
