/**
 * GET /api/ws: the live feed over WebSocket, plus the original's commands
 * `{"action":"kick"|"maintenance"|"unban"|"broadcast", ...}` answered with
 * `{type:"reply", success, action, error?}`. Frames we push carry `type`: "status" (the snapshot)
 * or "event" (`{type:"event", event:{type, timestamp, data}}`).
 */
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { ErrorCode } from '../errors.js';
import { fail, type ApiContext } from './route-context.js';
import type { LiveMessage } from './live.js';

const MAX_TEXT = 4096;

export function registerWsRoute(app: FastifyInstance, ctx: ApiContext): void {
  app.route({
    method: 'GET',
    url: '/api/ws',
    config: { ticket: true, summary: 'Live events and commands over WebSocket; auth by Bearer token or ?ticket=' },
    schema: { querystring: { type: 'object', properties: { ticket: { type: 'string', maxLength: 128 } } } },
    // An authenticated plain GET (no Upgrade header): 426 names what is missing. The route exists,
    // so 404 (the plugin's default) would send a script looking for the wrong mistake.
    handler: async (_req, reply) => {
      reply.header('upgrade', 'websocket');
      return fail(reply, 'SKS5_ERR_API_UPGRADE_REQUIRED', 'Upgrade Required: /api/ws is a WebSocket endpoint (send Connection: Upgrade and Upgrade: websocket)');
    },
    wsHandler: (socket: WebSocket, req: FastifyRequest) => {
      if (ctx.live.clients >= ctx.maxLiveClients) {
        socket.close(1013, 'too many live clients');
        return;
      }
      let closed = false;
      const send = (value: unknown): boolean => {
        if (closed || socket.readyState !== socket.OPEN) return false;
        if (socket.bufferedAmount > ctx.maxBufferedBytes) return false;
        socket.send(JSON.stringify(value));
        return true;
      };
      const sink = (m: LiveMessage): boolean => send(m.kind === 'status' ? m.payload : { type: 'event', event: m.event });
      const drop = (): void => {
        if (closed) return;
        closed = true;
        unsubscribe();
        // 1008 tells the client it was dropped on purpose (too slow), not by a network fault.
        socket.close(1008, 'subscriber too slow');
      };
      const unsubscribe = ctx.live.subscribe(sink, drop);
      socket.on('close', () => { closed = true; unsubscribe(); });
      socket.on('error', () => { closed = true; unsubscribe(); });
      socket.on('message', (data, isBinary) => {
        const reply = isBinary ? refused('unknown', 'SKS5_ERR_API_BAD_REQUEST', 'expected a JSON text frame') : runCommand(ctx, data.toString());
        send({ type: 'reply', ...reply });
      });
      try {
        send(ctx.live.snapshot());
      } catch (err) {
        req.log.warn({ err }, 'ws: first snapshot failed');
      }
    },
  });
}

interface CommandReply { success: boolean; action: string; error?: string; code?: ErrorCode }

/** A refused command names its catalogued code, as the HTTP routes' error bodies do. */
const refused = (action: string, code: ErrorCode, error: string): CommandReply => ({ success: false, action, error, code });

/** Runs one command; never throws, whatever the client sent. */
export function runCommand(ctx: ApiContext, text: string): CommandReply {
  let msg: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    msg = parsed as Record<string, unknown>;
  } catch {
    return refused('unknown', 'SKS5_ERR_API_BAD_REQUEST', 'expected a JSON object like {"action":"kick","username":"alice"}');
  }
  const action = typeof msg['action'] === 'string' ? msg['action'].slice(0, 32) : 'unknown';
  const str = (k: string): string | undefined => {
    const v = msg[k];
    return typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT ? v : undefined;
  };
  try {
    switch (action) {
      case 'kick': {
        const username = str('username');
        if (!username) return refused(action, 'SKS5_ERR_API_BAD_REQUEST', 'username is required');
        // `message` is the original's field; `reason` is accepted too, as on POST /api/kick.
        const r = ctx.port.kick(username, str('message') ?? str('reason'));
        return r ? { success: true, action } : refused(action, 'SKS5_ERR_API_NOT_FOUND', `unknown user ${username}`);
      }
      case 'maintenance': {
        const enabled = msg['enabled'] === undefined ? true : msg['enabled'];
        if (typeof enabled !== 'boolean') return refused(action, 'SKS5_ERR_API_BAD_REQUEST', 'enabled must be a boolean');
        const message = str('message');
        if (message === undefined) ctx.port.setMaintenance(enabled, 'ws');
        else ctx.port.setMaintenance(enabled, 'ws', message);
        return { success: true, action };
      }
      case 'unban': {
        const ip = str('ip');
        if (!ip || isIP(ip) === 0) return refused(action, 'SKS5_ERR_API_BAD_REQUEST', 'ip must be an IPv4 or IPv6 address');
        return ctx.port.unban(ip, 'ws') ? { success: true, action } : refused(action, 'SKS5_ERR_API_NOT_FOUND', `${ip} is not banned`);
      }
      case 'broadcast': {
        const message = str('message');
        if (!message) return refused(action, 'SKS5_ERR_API_BAD_REQUEST', `message is required (1-${MAX_TEXT} characters)`);
        ctx.port.broadcast(message);
        return { success: true, action };
      }
      default:
        return refused(action, 'SKS5_ERR_API_BAD_REQUEST', 'unknown action (expected kick, maintenance, unban or broadcast)');
    }
  } catch {
    return refused(action, 'SKS5_ERR_INTERNAL', 'internal error');
  }
}
