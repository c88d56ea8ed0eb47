/**
 * Every answer the HTTP proxy door gives on its own (refusals, 400s, the CONNECT success line):
 * the status comes from the error catalogue, the body is the short client message with its code.
 * The operator's detailed reason never goes on the wire.
 */
import { STATUS_CODES } from 'node:http';
import { httpStatusOf, type ErrorCode } from '../errors.js';

export const REALM = 'sks5';

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function refusalReply(code: ErrorCode, client: string): Reply {
  const status = httpStatusOf(code);
  const body = `${client} (${code})\n`;
  const headers: Record<string, string> = {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Sks5-Code': code,
  };
  if (status === 407) headers['Proxy-Authenticate'] = `Basic realm="${REALM}", charset="UTF-8"`;
  return { status, headers, body };
}

/** The reply as bytes, for a socket the HTTP server has handed over (CONNECT) or is giving up on. */
export function encodeReply(r: Reply, close: boolean): string {
  let head = `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'Error'}\r\n`;
  for (const [k, v] of Object.entries(r.headers)) head += `${k}: ${v}\r\n`;
  if (close) head += 'Connection: close\r\n';
  return `${head}\r\n${r.body}`;
}

/** Sent once a CONNECT tunnel is open; the tunnel's bytes follow. Bytes once, not a string per tunnel. */
export const CONNECT_ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection Established\r\n\r\n', 'latin1');
