/**
 * `host:port` text, the one grammar for listen addresses, routes, CONNECT targets and probes: a
 * bracketed IPv6 literal (`[::1]:22`), or a host without colons (`0.0.0.0:22`, `name:22`, `:22` for
 * every interface) and a decimal port of at most five digits up to 65535. Pure; each caller turns a
 * problem into its own message and decides whether an empty host or port 0 is allowed.
 */
import { isIP } from 'node:net';

export type HostPortProblem =
  /** No colon at all. */
  | 'missing-port'
  /** `[` without `]:` after the address. */
  | 'unclosed-bracket'
  /** Brackets around something that is not an IPv6 address. */
  | 'not-ipv6'
  /** A colon inside an unbracketed host: an IPv6 literal without brackets. */
  | 'unbracketed-ipv6'
  | 'bad-port';

export type HostPortResult =
  | { readonly ok: true; readonly host: string; readonly port: number }
  | { readonly ok: false; readonly problem: HostPortProblem; readonly host: string; readonly portText: string };

export function splitHostPort(text: string): HostPortResult {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return { ok: false, problem: 'unclosed-bracket', host: '', portText: '' };
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (isIP(host) !== 6) return { ok: false, problem: 'not-ipv6', host, portText };
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return { ok: false, problem: 'missing-port', host: text, portText: '' };
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return { ok: false, problem: 'unbracketed-ipv6', host, portText };
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return { ok: false, problem: 'bad-port', host, portText };
  return { ok: true, host, port: Number(portText) };
}

/** `0.0.0.0:1080`, `[::]:2222`, `:22` -> host and port for net.Server.listen (empty host: every interface). */
export function parseListenAddress(addr: string): { host: string; port: number } {
  const r = splitHostPort(addr);
  if (!r.ok) throw new Error(`listen address "${addr}": ${r.problem === 'bad-port' ? 'bad port' : 'expected HOST:PORT'}`);
  return { host: r.host === '' ? '::' : r.host, port: r.port };
}

/** The inverse of `splitHostPort`: an IPv6 literal in brackets, anything else as it is. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
