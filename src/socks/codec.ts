/**
 * SOCKS5 wire codec (RFC 1928, RFC 1929): bytes in, messages out, nothing else. Each parser takes
 * the bytes received so far and answers "need more", a message and how many bytes it used, or a
 * precise error. Never assumes one read is one message.
 */
import { isIP } from 'node:net';
import { SOCKS_REPLY, socksReplyOf, type ErrorCode } from '../errors.js';
import { unmapIpv4Text } from '../policy/ip-address.js';

export const VERSION = 0x05;
export const METHOD = { NO_AUTH: 0x00, GSSAPI: 0x01, USER_PASS: 0x02, NO_ACCEPTABLE: 0xff } as const;
export const CMD = { CONNECT: 0x01, BIND: 0x02, UDP_ASSOCIATE: 0x03 } as const;
export const ATYP = { IPV4: 0x01, DOMAIN: 0x03, IPV6: 0x04 } as const;

export type Parse<T> =
  | { kind: 'need' }
  | { kind: 'ok'; value: T; consumed: number }
  | { kind: 'error'; error: SocksProtocolError };

/**
 * A malformed message. `code` is the catalogued refusal to answer with when the exchange is at a
 * stage that has a reply (the request); `reply` is that code's SOCKS5 reply byte.
 */
export class SocksProtocolError extends Error {
  readonly code: ErrorCode | undefined;
  constructor(message: string, code?: ErrorCode) {
    super(message);
    this.name = 'SocksProtocolError';
    this.code = code;
  }
  get reply(): number | undefined {
    return this.code === undefined ? undefined : socksReplyOf(this.code);
  }
}

const need = { kind: 'need' } as const;
const fail = (message: string, code?: ErrorCode): Parse<never> => ({ kind: 'error', error: new SocksProtocolError(message, code) });

export interface Greeting { methods: number[] }

export function parseGreeting(buf: Buffer): Parse<Greeting> {
  if (buf.length < 1) return need;
  if (buf[0] !== VERSION) return fail(`greeting: version 0x${hex(buf[0]!)} is not SOCKS5`);
  if (buf.length < 2) return need;
  const n = buf[1]!;
  if (n === 0) return fail('greeting: zero authentication methods offered');
  if (buf.length < 2 + n) return need;
  return { kind: 'ok', value: { methods: [...buf.subarray(2, 2 + n)] }, consumed: 2 + n };
}

export interface Credentials { username: string; password: Buffer }

/** RFC 1929 sub-negotiation. The password stays a Buffer so the caller can zero it after use. */
export function parseUserPass(buf: Buffer): Parse<Credentials> {
  if (buf.length < 1) return need;
  if (buf[0] !== 0x01) return fail(`auth: sub-negotiation version 0x${hex(buf[0]!)} is not 0x01`);
  if (buf.length < 2) return need;
  const ulen = buf[1]!;
  if (ulen === 0) return fail('auth: empty username');
  if (buf.length < 2 + ulen + 1) return need;
  const plen = buf[2 + ulen]!;
  if (plen === 0) return fail('auth: empty password');
  const end = 3 + ulen + plen;
  if (buf.length < end) return need;
  const uname = buf.subarray(2, 2 + ulen);
  if (uname.includes(0)) return fail('auth: NUL byte in username');
  const password = Buffer.alloc(plen);
  buf.copy(password, 0, 3 + ulen, end);
  return { kind: 'ok', value: { username: uname.toString('utf8'), password }, consumed: end };
}

export interface Address { host: string; port: number; atyp: number }
export interface Request extends Address { cmd: number }

/** Parse ATYP + address + port at `off`; returns the address and the offset after it. */
function parseAddress(buf: Buffer, off: number, what: string): Parse<Address> {
  if (buf.length < off + 1) return need;
  const atyp = buf[off]!;
  let host: string;
  let p = off + 1;
  if (atyp === ATYP.IPV4) {
    if (buf.length < p + 4 + 2) return need;
    host = `${buf[p]}.${buf[p + 1]}.${buf[p + 2]}.${buf[p + 3]}`;
    p += 4;
  } else if (atyp === ATYP.IPV6) {
    if (buf.length < p + 16 + 2) return need;
    host = ipv6ToString(buf.subarray(p, p + 16));
    p += 16;
  } else if (atyp === ATYP.DOMAIN) {
    if (buf.length < p + 1) return need;
    const len = buf[p]!;
    if (len === 0) return fail(`${what}: empty domain name`, 'SKS5_ERR_PROTOCOL');
    if (buf.length < p + 1 + len + 2) return need;
    const name = buf.subarray(p + 1, p + 1 + len).toString('latin1');
    const bad = domainProblem(name);
    if (bad) return fail(`${what}: invalid domain name (${bad})`, 'SKS5_ERR_BAD_TARGET');
    host = name.endsWith('.') ? name.slice(0, -1) : name;
    p += 1 + len;
  } else {
    return fail(`${what}: unsupported address type 0x${hex(atyp)}`, 'SKS5_ERR_ATYP');
  }
  const port = buf.readUInt16BE(p);
  return { kind: 'ok', value: { host, port, atyp }, consumed: p + 2 - off };
}

export function parseRequest(buf: Buffer): Parse<Request> {
  if (buf.length < 1) return need;
  if (buf[0] !== VERSION) return fail(`request: version 0x${hex(buf[0]!)} is not SOCKS5`, 'SKS5_ERR_PROTOCOL');
  if (buf.length < 2) return need;
  const cmd = buf[1]!;
  if (buf.length < 3) return need;
  if (buf[2] !== 0x00) return fail(`request: reserved byte is 0x${hex(buf[2]!)}, not 0x00`, 'SKS5_ERR_PROTOCOL');
  const addr = parseAddress(buf, 3, 'request');
  if (addr.kind !== 'ok') return addr;
  if (cmd !== CMD.CONNECT && cmd !== CMD.BIND && cmd !== CMD.UDP_ASSOCIATE) {
    return fail(`request: unknown command 0x${hex(cmd)}`, 'SKS5_ERR_COMMAND');
  }
  return { kind: 'ok', value: { cmd, ...addr.value }, consumed: 3 + addr.consumed };
}

/** Domain names as RFC 1035/1123 allow them: 1-253 bytes, labels 1-63 of letters, digits, hyphens (and underscores, seen in the wild). */
export function domainProblem(name: string): string | undefined {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n.length === 0) return 'empty';
  if (n.length > 253) return 'longer than 253 bytes';
  if (isIP(n)) return undefined;
  for (const label of n.split('.')) {
    if (label.length === 0) return 'empty label';
    if (label.length > 63) return 'label longer than 63 bytes';
    if (!/^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/.test(label)) return `bad label "${label.slice(0, 20)}"`;
  }
  if (/^[0-9.]+$/.test(n)) return 'numeric name that is not an IPv4 address';
  return undefined;
}

export function encodeMethodChoice(method: number): Buffer {
  return Buffer.from([VERSION, method]);
}

export function encodeAuthStatus(ok: boolean): Buffer {
  return Buffer.from([0x01, ok ? 0x00 : 0x01]);
}

export function encodeAddress(host: string, port: number): Buffer {
  const fam = isIP(host);
  let head: Buffer;
  if (fam === 4) head = Buffer.from([ATYP.IPV4, ...host.split('.').map(Number)]);
  else if (fam === 6) head = Buffer.concat([Buffer.from([ATYP.IPV6]), ipv6ToBytes(host)]);
  else {
    const name = Buffer.from(host, 'latin1');
    if (name.length > 255) throw new RangeError('domain name longer than 255 bytes');
    head = Buffer.concat([Buffer.from([ATYP.DOMAIN, name.length]), name]);
  }
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  return Buffer.concat([head, p]);
}

/** A refusal's reply: the catalogued REP byte of `code`, bound address 0.0.0.0:0. */
export function encodeRefusal(code: ErrorCode): Buffer {
  return encodeReply(socksReplyOf(code));
}

/** A success reply naming the bound address (BND.ADDR/PORT): our outbound socket, or the UDP relay's. */
export function encodeSuccess(host: string, port: number): Buffer {
  return encodeReply(SOCKS_REPLY.SUCCEEDED, host, port);
}

export function encodeReply(rep: number, host = '0.0.0.0', port = 0): Buffer {
  const h = unmapIpv4Text(host);
  // The common reply (an IPv4 bound address) in one 10-byte buffer: one per tunnel.
  if (isIP(h) === 4) {
    const out = Buffer.allocUnsafe(10);
    out[0] = VERSION; out[1] = rep; out[2] = 0x00; out[3] = ATYP.IPV4;
    let o = 4;
    for (const part of h.split('.')) out[o++] = Number(part);
    out.writeUInt16BE(port, 8);
    return out;
  }
  return Buffer.concat([Buffer.from([VERSION, rep, 0x00]), encodeAddress(h, port)]);
}

export function encodeRequest(cmd: number, host: string, port: number): Buffer {
  return Buffer.concat([Buffer.from([VERSION, cmd, 0x00]), encodeAddress(host, port)]);
}

export function encodeUserPass(username: string, password: string): Buffer {
  const u = Buffer.from(username, 'utf8');
  const p = Buffer.from(password, 'utf8');
  if (u.length < 1 || u.length > 255 || p.length < 1 || p.length > 255) throw new RangeError('username and password must be 1-255 bytes');
  return Buffer.concat([Buffer.from([0x01, u.length]), u, Buffer.from([p.length]), p]);
}

/** Parse a server reply (used by the upstream-proxy client). */
export function parseReply(buf: Buffer): Parse<{ rep: number } & Address> {
  if (buf.length < 3) return need;
  if (buf[0] !== VERSION) return fail(`reply: version 0x${hex(buf[0]!)} is not SOCKS5`);
  const addr = parseAddress(buf, 3, 'reply');
  if (addr.kind !== 'ok') return addr;
  return { kind: 'ok', value: { rep: buf[1]!, ...addr.value }, consumed: 3 + addr.consumed };
}

export interface UdpDatagram extends Address { frag: number; data: Buffer }

/** RFC 1928 section 7 UDP request header. */
export function parseUdpDatagram(buf: Buffer): Parse<UdpDatagram> {
  if (buf.length < 4) return fail('udp: datagram shorter than its header');
  if (buf[0] !== 0 || buf[1] !== 0) return fail('udp: reserved bytes are not zero');
  const frag = buf[2]!;
  const addr = parseAddress(buf, 3, 'udp');
  if (addr.kind === 'need') return fail('udp: truncated address');
  if (addr.kind === 'error') return addr;
  const off = 3 + addr.consumed;
  return { kind: 'ok', value: { frag, ...addr.value, data: buf.subarray(off) }, consumed: buf.length };
}

export function encodeUdpDatagram(host: string, port: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0]), encodeAddress(unmapIpv4Text(host), port), data]);
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function ipv6ToString(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // Let the URL parser produce the canonical compressed form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

export function ipv6ToBytes(ip: string): Buffer {
  const out = Buffer.alloc(16);
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const parts = v4[1]!.split('.').map(Number);
    const hi = ((parts[0]! << 8) | parts[1]!).toString(16);
    const lo = ((parts[2]! << 8) | parts[3]!).toString(16);
    s = s.slice(0, -v4[1]!.length) + `${hi}:${lo}`;
  }
  const [left, right] = s.includes('::') ? s.split('::') : [s, undefined];
  const l = left ? left.split(':') : [];
  const r = right !== undefined ? (right ? right.split(':') : []) : [];
  const groups = right !== undefined ? [...l, ...Array(8 - l.length - r.length).fill('0'), ...r] : l;
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}
