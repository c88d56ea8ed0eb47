/**
 * GET /api/events: Server-Sent Events. The status snapshot goes out as unnamed `message` events
 * (what the original's dashboard listened to); bus events go out as `event: audit` with the
 * event JSON `{type, timestamp, data}`. A comment line every 10 s keeps proxies from timing out.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from './route-context.js';
import { fail } from './route-context.js';
import type { LiveMessage } from './live.js';

const KEEPALIVE_MS = 10_000;

export function registerSseRoute(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/events', {
    config: { ticket: true, summary: 'Live events and status snapshots (Server-Sent Events); auth by Bearer token or ?ticket=' },
    schema: { querystring: { type: 'object', properties: { ticket: { type: 'string', maxLength: 128 } } } },
  }, (req: FastifyRequest, reply: FastifyReply) => {
    if (ctx.live.clients >= ctx.maxLiveClients) return fail(reply, 'SKS5_ERR_API_BUSY', 'too many live clients');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let seq = 0;
    let closed = false;
    const write = (chunk: string): boolean => {
      if (closed) return false;
      // Node buffers whatever the peer does not read; past the cap the client is too slow.
      if (res.writableLength > ctx.maxBufferedBytes) return false;
      res.write(chunk);
      return true;
    };
    const sink = (m: LiveMessage): boolean => write(frame(m, ++seq));
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(keepalive);
      unsubscribe();
      res.destroy();
    };
    const keepalive = setInterval(() => { if (!write(': ping\n\n')) close(); }, KEEPALIVE_MS);
    keepalive.unref();
    const unsubscribe = ctx.live.subscribe(sink, close);
    req.raw.on('close', close);
    res.on('error', close);
    write('retry: 5000\n\n');
    try {
      write(frame({ kind: 'status', payload: ctx.live.snapshot() }, ++seq));
    } catch (err) {
      req.log.warn({ err }, 'sse: first snapshot failed');
    }
  });
}

function frame(m: LiveMessage, id: number): string {
  if (m.kind === 'status') return `id: ${id}\ndata: ${JSON.stringify(m.payload)}\n\n`;
  return `id: ${id}\nevent: audit\ndata: ${JSON.stringify(m.event)}\n\n`;
}
