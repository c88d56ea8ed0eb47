/**
 * The proxy auto-config file served at GET /proxy.pac on the API listener, so a browser can be
 * pointed at the bastion with one URL. It names only the proxy's address (no credential: the
 * browser asks for them on the 407). Pure: the route passes the listen address and the Host the
 * browser used to reach the API, for a proxy listening on every interface.
 */
import { parseListenAddress } from '../host-port.js';

export const PAC_CONTENT_TYPE = 'application/x-ns-proxy-autoconfig';

/** A host name or IP literal, nothing a PAC string literal could be broken out of. */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])$/;

function hostOfHeader(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const h = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0] ?? '';
  return SAFE_HOST.test(h) ? h : undefined;
}

/** undefined when there is no usable address to name (proxy off, or a wildcard listen with no valid Host). */
export function renderPac(listen: string, tls: boolean, requestHost: string | undefined): string | undefined {
  const { host, port } = parseListenAddress(listen);
  const wildcard = host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
  const name = wildcard ? hostOfHeader(requestHost) : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  if (!name || !SAFE_HOST.test(name)) return undefined;
  const proxy = `${tls ? 'HTTPS' : 'PROXY'} ${name}:${port}`;
  return [
    '// sks5 proxy auto-config: everything goes through the bastion\'s HTTP proxy door.',
    '// Loopback stays local (the bastion\'s anti-SSRF guard would refuse it anyway).',
    'function FindProxyForURL(url, host) {',
    '  if (host === "localhost" || host === "::1" || shExpMatch(host, "127.*")) return "DIRECT";',
    `  return "${proxy}";`,
    '}',
    '',
  ].join('\n');
}
