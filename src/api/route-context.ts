/**
 * What every route module takes from the API server: the shared context and the two answers of the
 * original's envelope `{success, data, error}`. A leaf module, so route files and server.ts do not
 * import each other.
 */
import type { FastifyReply } from 'fastify';
import type { Clock } from '../clock.js';
import { httpStatusOf, type ErrorCode } from '../errors.js';
import type { EventBus } from '../observe/events.js';
import type { TicketIssuer } from '../observe/tickets.js';
import type { LiveFeed } from './live.js';
import type { ManagementPort } from './port.js';

/** Per-route flags in a route's `config`, read by the auth hook and the OpenAPI transform. */
export interface RouteFlags {
  public?: boolean;
  /** Accepts `?ticket=` instead of the Authorization header (EventSource, WebSocket). */
  ticket?: boolean;
  summary?: string;
  hidden?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig extends RouteFlags {}
}

export interface ApiContext {
  port: ManagementPort;
  events: EventBus;
  clock: Clock;
  tickets: TicketIssuer;
  live: LiveFeed;
  maxBufferedBytes: number;
  maxLiveClients: number;
}

export function ok<T>(data: T): { success: true; data: T; error: null } {
  return { success: true, data, error: null };
}

/** An error answer: the HTTP status is the catalogue's for `code`, and the body names the code. */
export function fail(reply: FastifyReply, code: ErrorCode, error: string, data: unknown = null): FastifyReply {
  return reply.code(httpStatusOf(code)).send({ success: false, data, error, code });
}
