/** host:port parsing shared by test, ping and bookmark; bounded and strict so nothing odd reaches DNS. */

export interface ParsedTarget {
  readonly host: string;
  readonly port: number;
}

const HOST = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9_.-]{1,16})?$/;

export function isValidHost(host: string): boolean {
  return HOST.test(host) || (host.includes(':') && IPV6.test(host));
}

/** `host:port`, `[v6]:port`, or `host` with `defaultPort`. Returns an error message on bad input. */
export function parseTarget(text: string, defaultPort?: number): ParsedTarget | string {
  if (text.length > 300) return 'target too long';
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const i = text.indexOf(':');
    host = text.slice(0, i);
    portText = text.slice(i + 1);
  } else {
    host = text;
  }
  if (!isValidHost(host)) return `invalid host '${host.slice(0, 64)}'`;
  if (portText === undefined) {
    if (defaultPort === undefined) return 'missing port (expected host:port)';
    return { host, port: defaultPort };
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) return `invalid port '${portText.slice(0, 16)}' (expected 1-65535)`;
  return { host, port };
}
