/**
 * The management API: Fastify with a JSON schema on every route, the original's envelope
 * `{success, data, error}`, Bearer-token auth (tickets on the two streaming routes), a 64 KiB
 * body limit and an OpenAPI document generated from the routes themselves (@fastify/swagger).
 * `createApiServer` returns the instance without listening; the caller picks the address.
 */
import { fastify, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyBaseLogger } from 'fastify';
import websocket from '@fastify/websocket';
import type { Clock } from '../clock.js';
import type { EventBus } from '../observe/events.js';
import { TicketIssuer } from '../observe/tickets.js';
import { VERSION } from '../version.js';
import type { ErrorCode } from '../errors.js';
import { MIN_TOKEN_LENGTH, TokenCheck } from './auth.js';
import { LiveFeed, type LiveCluster } from './live.js';
import { registerOpenApi } from './openapi.js';
import { fail, type ApiContext } from './route-context.js';
import type { ManagementPort } from './port.js';
import { registerOpsRoutes } from './routes-ops.js';
import { registerReadRoutes } from './routes-read.js';
import { registerFingerprintRoutes } from './routes-fingerprints.js';
import { registerDashboardRoutes } from './routes-dashboard.js';
import { registerSseRoute } from './sse.js';
import { registerWsRoute } from './ws.js';

export const BODY_LIMIT = 64 * 1024;

/** What the API reports to Prometheus; implemented by observe/metrics.ts. */
export interface HttpMetrics {
  observeHttp(method: string, route: string, status: number, seconds: number): void;
}

export interface ApiServerOptions {
  port: ManagementPort;
  events: EventBus;
  token: string;
  clock: Clock;
  /** A pino logger (or anything Fastify accepts as `loggerInstance`); silent when absent. */
  log?: FastifyBaseLogger;
  metrics?: HttpMetrics;
  /** Status snapshot period for SSE/WS (the original's 2 s). */
  snapshotIntervalMs?: number;
  /** A live subscriber with more than this many bytes unsent is dropped. */
  maxBufferedBytes?: number;
  /** Concurrent SSE + WS clients. */
  maxLiveClients?: number;
  /** With [cluster]: the live feed carries every node's events, each naming its node. */
  cluster?: LiveCluster | undefined;
}

/** A Fastify error's status as our code (unknown 4xx are bad requests, unknown 5xx internal). */
function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 404: return 'SKS5_ERR_API_NOT_FOUND';
    case 413: return 'SKS5_ERR_API_BODY_TOO_LARGE';
    case 415: return 'SKS5_ERR_API_MEDIA_TYPE';
    default: return status >= 500 ? 'SKS5_ERR_INTERNAL' : 'SKS5_ERR_API_BAD_REQUEST';
  }
}

export function createApiServer(opts: ApiServerOptions): FastifyInstance {
  // An empty token keeps the server up but refuses every authenticated request (503); a short
  // one is a configuration mistake the original refused at startup, and so do we.
  if (opts.token.length > 0 && opts.token.length < MIN_TOKEN_LENGTH) throw new Error(`api.token must be at least ${MIN_TOKEN_LENGTH} characters`);
  const app = fastify({
    bodyLimit: BODY_LIMIT,
    ...(opts.log ? { loggerInstance: opts.log } : { logger: false }),
    // Unknown fields are an error the caller should see, not something silently stripped.
    // No type coercion either: {"message": 42} is a client bug, not the string "42".
    ajv: { customOptions: { removeAdditional: false, allErrors: false, coerceTypes: false } },
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // `curl -X POST -H 'Content-Type: application/json'` with no body worked against the
  // original for the body-less actions (maintenance, kick, reload); an empty body is "no body".
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    return defaultJson(req, text, done);
  });
  const token = new TokenCheck(opts.token);
  registerOpenApi(app, { title: 'sks5 management API', version: VERSION });
  const live = new LiveFeed({ port: opts.port, events: opts.events, clock: opts.clock, intervalMs: opts.snapshotIntervalMs ?? 2000, cluster: opts.cluster });
  const ctx: ApiContext = {
    port: opts.port,
    events: opts.events,
    clock: opts.clock,
    tickets: new TicketIssuer(opts.token, opts.clock),
    live,
    maxBufferedBytes: opts.maxBufferedBytes ?? 1024 * 1024,
    maxLiveClients: opts.maxLiveClients ?? 100,
  };

  app.addHook('onSend', async (_req, reply, payload) => {
    // Responses carry server state: never cached by a proxy or browser, never content-sniffed.
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });

  if (opts.metrics) {
    const metrics = opts.metrics;
    app.addHook('onResponse', async (req, reply) => {
      // The matched route pattern, never the raw URL: one series per route, not per username.
      metrics.observeHttp(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    });
  }

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; code?: string }, req, reply) => {
    if (err.validation) return fail(reply, 'SKS5_ERR_API_BAD_REQUEST', err.message);
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err }, 'api handler failed');
      return fail(reply, 'SKS5_ERR_INTERNAL', 'internal error');
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(reply, 'SKS5_ERR_API_BODY_TOO_LARGE', `request body larger than ${req.routeOptions.bodyLimit ?? BODY_LIMIT} bytes`);
    return fail(reply, codeOfStatus(status), err.message);
  });
  app.setNotFoundHandler((req, reply) => fail(reply, 'SKS5_ERR_API_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`));

  app.register(websocket, { options: { maxPayload: BODY_LIMIT } });
  app.register(async (scoped) => {
    // Inside the plugin so it runs after @fastify/websocket's own onRequest hook: a refused
    // upgrade then has its socket destroyed by the plugin instead of left open.
    scoped.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const flags = req.routeOptions.config;
      if (flags.public || !req.routeOptions.url) return;
      if (!token.configured) return fail(reply, 'SKS5_ERR_API_NO_TOKEN', 'API token not configured');
      if (token.matchesHeader(req.headers.authorization)) return;
      const ticket = (req.query as Record<string, unknown> | undefined)?.['ticket'];
      if (flags.ticket && typeof ticket === 'string') {
        const verdict = ctx.tickets.redeem(ticket);
        if (verdict.ok) return;
        return fail(reply, 'SKS5_ERR_API_UNAUTHORIZED', `unauthorized: ticket ${verdict.reason}`);
      }
      return fail(reply, 'SKS5_ERR_API_UNAUTHORIZED', 'unauthorized');
    });
    registerReadRoutes(scoped, ctx);
    registerOpsRoutes(scoped, ctx);
    registerFingerprintRoutes(scoped, ctx);
    registerSseRoute(scoped, ctx);
    registerWsRoute(scoped, ctx);
    registerDashboardRoutes(scoped, ctx.port);
    scoped.get('/api/openapi.json', { config: { summary: 'This OpenAPI document' } }, async () => scoped.swagger());
  });
  // preClose, not onClose: server.close() waits for open SSE streams, so they must end first.
  app.addHook('preClose', async () => live.stop());
  return app;
}
