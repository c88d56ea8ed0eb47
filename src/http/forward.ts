/**
 * Plain-HTTP forwarding for absolute-form requests: Node's own HTTP client speaks to the target
 * over the pipeline's tunnel (through a stream pair, so the relay counts, shapes, cuts at quota
 * and kicks these bytes like any tunnel's). One tunnel per request: the next request on the
 * client's kept-alive connection is checked against policy again and gets its own.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Tunnel } from '../pipeline/types.js';
import { forwardHeaders, hasHeader } from './hop-headers.js';
import { refusalReply } from './replies.js';
import { streamPair } from './stream-pair.js';
import type { AbsoluteTarget } from './target.js';

/** Our Via hop (RFC 9110 section 7.6.3): a pseudonym, not the host name, so nothing internal leaks. */
export const VIA = '1.1 sks5';

export function forwardRequest(req: IncomingMessage, res: ServerResponse, tunnel: Tunnel, target: AbsoluteTarget): void {
  const [relayEnd, clientEnd] = streamPair();
  const relayed = tunnel.relay(relayEnd);
  const headers = forwardHeaders(req.rawHeaders, VIA);
  if (!hasHeader(req.rawHeaders, 'host')) headers.unshift('Host', target.authority);
  const up = httpRequest({
    createConnection: () => clientEnd,
    method: req.method ?? 'GET',
    path: target.path,
    headers,
  });
  let settled = false;
  const end = (): void => {
    if (settled) return;
    settled = true;
    clientEnd.destroy();
  };
  up.on('response', (upRes: IncomingMessage) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, forwardHeaders(upRes.rawHeaders, VIA));
    upRes.pipe(res);
    // A body cut short (quota, kick, the target's reset) must reach the client as a cut, not an end.
    upRes.on('close', () => { if (!upRes.complete) res.destroy(); });
  });
  up.on('error', () => {
    // The relay has ended (it destroyed its end of the pair) or the target's answer is not HTTP.
    void relayed.then((result) => {
      if (res.headersSent) return void res.destroy();
      const r = result.reason.startsWith('quota:')
        ? refusalReply('SKS5_DENY_QUOTA', `quota exceeded (${result.reason.slice(6)})`)
        : refusalReply('SKS5_ERR_CONNECT', 'the target did not answer with HTTP');
      res.writeHead(r.status, r.headers);
      res.end(r.body);
    });
    end();
  });
  res.on('finish', end);
  res.on('close', end);
  req.pipe(up);
}
