/**
 * `--route LISTEN=BACKEND` and Go-style `host:port` addresses, compiled once at start so a bad
 * route fails before any listener opens.
 */
import { splitHostPort } from '../host-port.js';

export interface HostPort {
  /** Undefined for `:22` (all interfaces, dual-stack), as Go's net.Listen treats an empty host. */
  readonly host: string | undefined;
  readonly port: number;
}

export interface Route {
  /** As written, for log lines (`LISTEN <listen> -> <backend>`). */
  readonly listen: string;
  readonly backend: string;
  readonly listenAddr: HostPort;
  readonly backendAddr: HostPort;
}

/** Splits at the first `=`; both sides must be non-empty (the original's rule and error text). */
export function parseRoute(value: string): Route {
  const eq = value.indexOf('=');
  const listen = eq < 0 ? '' : value.slice(0, eq).trim();
  const backend = eq < 0 ? '' : value.slice(eq + 1).trim();
  if (listen === '' || backend === '') throw new Error(`route must be LISTEN=BACKEND, got ${JSON.stringify(value)}`);
  const listenAddr = parseHostPort(listen, 'listen');
  const backendAddr = parseHostPort(backend, 'backend');
  if (backendAddr.host === undefined) throw new Error(`backend address ${JSON.stringify(backend)} needs a host`);
  return { listen, backend, listenAddr, backendAddr };
}

/** Go `net.SplitHostPort` plus a numeric port: `[::]:22`, `0.0.0.0:22`, `:22`, `host:22`. */
export function parseHostPort(addr: string, what: string): HostPort {
  const r = splitHostPort(addr);
  if (!r.ok) {
    const where = `${what} address ${JSON.stringify(addr)}`;
    switch (r.problem) {
      case 'unclosed-bracket': throw new Error(`${where}: missing port or ']'`);
      case 'not-ipv6': throw new Error(`${where}: ${JSON.stringify(r.host)} is not an IPv6 address`);
      case 'missing-port': throw new Error(`${where}: missing port`);
      case 'unbracketed-ipv6': throw new Error(`${where}: too many colons (bracket IPv6 as [addr]:port)`);
      case 'bad-port': throw new Error(`${where}: invalid port ${JSON.stringify(r.portText)}`);
    }
  }
  return { host: r.host === '' ? undefined : r.host, port: r.port };
}

