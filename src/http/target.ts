/**
 * What an HTTP proxy request asks to reach: CONNECT's authority-form (`host:port`, `[v6]:port`)
 * or a GET's absolute-form (`http://host[:port]/path?query`). Pure; the door checks the result
 * against the pipeline like any other target.
 */
import { isIP } from 'node:net';
import { splitHostPort } from '../host-port.js';
import type { Target } from '../pipeline/types.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** RFC 1035 names (with the underscores real DNS carries) or IP literals; nothing else reaches DNS. */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

function checkHost(host: string): boolean {
  return isIP(host) !== 0 || HOSTNAME.test(host);
}

function port(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** CONNECT's request target: the port is mandatory (RFC 9110 section 9.3.6). */
export function parseConnectTarget(authority: string): Parsed<Target> {
  const r = splitHostPort(authority);
  if (!r.ok) {
    switch (r.problem) {
      case 'unclosed-bracket': return { ok: false, reason: 'expected [ipv6]:port' };
      case 'not-ipv6': return { ok: false, reason: 'not an IPv6 address inside brackets' };
      case 'missing-port': return { ok: false, reason: 'expected host:port' };
      case 'unbracketed-ipv6': return { ok: false, reason: 'an IPv6 address needs brackets: [ipv6]:port' };
      case 'bad-port': return { ok: false, reason: `bad port "${r.portText.slice(0, 10)}"` };
    }
  }
  const { host } = r;
  if (host === '') return { ok: false, reason: 'expected host:port' };
  const portText = String(r.port);
  const p = port(portText);
  if (p === undefined) return { ok: false, reason: `bad port "${portText.slice(0, 10)}"` };
  if (!checkHost(host)) return { ok: false, reason: 'not a valid host name or address' };
  return { ok: true, value: { host: stripDot(host), port: p } };
}

export interface AbsoluteTarget extends Target {
  /** Origin-form for the target: path and query, at least "/". */
  readonly path: string;
  /** The authority as the client wrote it, for a request that came without a Host header. */
  readonly authority: string;
}

/**
 * A plain-HTTP request target in absolute-form. `https://` is refused: a client reaches TLS
 * origins with CONNECT, and this proxy never originates TLS on a client's behalf.
 */
export function parseAbsoluteTarget(url: string): Parsed<AbsoluteTarget> {
  if (!/^http:\/\//i.test(url)) {
    if (/^https:\/\//i.test(url)) return { ok: false, reason: 'https:// URLs go through CONNECT' };
    return { ok: false, reason: url.startsWith('/') ? 'this is a proxy: send an absolute http:// URL or CONNECT' : 'unsupported request target' };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, reason: 'not a valid URL' };
  }
  if (u.username !== '' || u.password !== '') return { ok: false, reason: 'credentials in the URL are not forwarded' };
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (!checkHost(host)) return { ok: false, reason: 'not a valid host name or address' };
  const p = u.port === '' ? 80 : port(u.port);
  if (p === undefined) return { ok: false, reason: 'bad port' };
  // The path goes out byte for byte as the client sent it: URL would normalise dot segments and
  // percent-encoding, and an origin may tell those apart.
  const rest = url.slice(7);
  const end = rest.search(/[/?#]/);
  const tail = end < 0 ? '' : rest.slice(end).replace(/#.*$/s, '');
  const path = tail === '' ? '/' : tail.startsWith('?') ? `/${tail}` : tail;
  return { ok: true, value: { host: stripDot(host), port: p, path, authority: u.host } };
}

function stripDot(host: string): string {
  return host.length > 1 && host.endsWith('.') ? host.slice(0, -1) : host;
}
