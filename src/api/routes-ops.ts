/**
 * Operations: bans, maintenance, reload, kick, broadcast, quota reset, SSE tickets, backup and
 * restore. Every change goes through the ManagementPort; the route only validates and answers.
 */
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { BackupPayload } from './port.js';
import { paginated } from './routes-read.js';
import type { PageQuery } from './pagination.js';
import * as S from './schemas.js';
import { fail, ok, type ApiContext } from './route-context.js';

/** A backup of a busy server (thousands of bans) is past 64 KiB; only restore may be this large. */
export const RESTORE_BODY_LIMIT = 4 * 1024 * 1024;
/** Restored bans are capped: a hand-edited backup must not ban an address for years. */
export const MAX_RESTORED_BAN_SECS = 7 * 24 * 3600;

export function registerOpsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { port } = ctx;

  app.get<{ Querystring: PageQuery }>('/api/bans', {
    config: { summary: 'Banned IPs' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: S.paginationQuery }, response: S.responses({ type: 'array', items: S.banSchema }, true) },
  }, async (req, reply) => {
    const page = paginated(reply, port.bans(), (b) => b.ip, req.query);
    return page ? { ...ok(page.items), next_cursor: page.next_cursor } : reply;
  });

  app.delete<{ Params: { ip: string } }>('/api/bans/:ip', {
    config: { summary: 'Lift a ban' },
    schema: { params: { type: 'object', required: ['ip'], properties: { ip: { type: 'string', maxLength: 64 } } }, response: S.responses({ type: 'object', additionalProperties: false, required: ['ip', 'unbanned'], properties: { ip: { type: 'string' }, unbanned: { type: 'boolean' } } }) },
  }, async (req, reply) => {
    const ip = req.params.ip;
    if (isIP(ip) === 0) return fail(reply, 'SKS5_ERR_API_BAD_REQUEST', `params/ip ${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
    return port.unban(ip, 'api') ? ok({ ip, unbanned: true }) : fail(reply, 'SKS5_ERR_API_NOT_FOUND', `${ip} is not banned`);
  });

  app.post<{ Body: { enabled?: boolean; message?: string } | undefined }>('/api/maintenance', {
    config: { summary: 'Toggle maintenance (no body), or set it with {enabled, message?}' },
    schema: {
      body: { type: ['object', 'null'], additionalProperties: false, properties: { enabled: { type: 'boolean' }, message: { type: 'string', maxLength: 4096 } } },
      response: S.responses({ type: 'object', additionalProperties: false, required: ['maintenance'], properties: { maintenance: { type: 'boolean' } } }),
    },
  }, async (req) => {
    const enabled = req.body?.enabled ?? !port.maintenance().enabled;
    if (req.body?.message === undefined) port.setMaintenance(enabled, 'api');
    else port.setMaintenance(enabled, 'api', req.body.message);
    return ok({ maintenance: port.maintenance().enabled });
  });

  app.post('/api/reload', {
    config: { summary: 'Re-read and validate the config file; an invalid file changes nothing' },
    schema: { response: { 200: S.envelope({ type: 'object', additionalProperties: false, required: ['users_count'], properties: { users_count: { type: 'integer' } } }), 422: S.errorEnvelopeOf({ type: ['object', 'null'], additionalProperties: false, properties: { errors: { type: 'array', items: { type: 'string' } } } }), '4xx': S.errorEnvelope, '5xx': S.errorEnvelope } },
  }, async (_req, reply) => {
    const r = await port.reload();
    if (r.ok) return ok({ users_count: r.users_count });
    // 422, not the original's 500: the server is fine, the file is not, and `errors` lists every problem.
    return fail(reply, 'SKS5_ERR_API_RELOAD_FAILED', `config invalid, nothing changed: ${r.errors.slice(0, 5).join('; ')}`, { errors: r.errors });
  });

  app.post<{ Params: { username: string }; Body: { message?: string; reason?: string } | undefined }>('/api/kick/:username', {
    config: { summary: "Close every connection of a user; `message` (the original's name, also accepted as `reason`) is shown to the user's shells and logged" },
    schema: {
      params: S.usernameParam,
      body: { type: ['object', 'null'], additionalProperties: false, properties: { message: { type: 'string', maxLength: 4096 }, reason: { type: 'string', maxLength: 4096, description: 'same as message; message wins when both are given' } } },
      response: S.responses({ type: 'object', additionalProperties: false, required: ['kicked', 'username', 'sessions_cancelled'], properties: { kicked: { type: 'boolean' }, username: { type: 'string' }, sessions_cancelled: { type: 'integer' } } }),
    },
  }, async (req, reply) => {
    const r = port.kick(req.params.username, req.body?.message ?? req.body?.reason);
    if (!r) return fail(reply, 'SKS5_ERR_API_NOT_FOUND', `user ${req.params.username} not found`);
    return ok({ kicked: r.sessions_cancelled > 0, username: req.params.username, sessions_cancelled: r.sessions_cancelled });
  });

  app.post<{ Body: { message: string; users?: string[] } }>('/api/broadcast', {
    config: { summary: 'Show a message in live shells' },
    schema: { body: S.messageBody, response: S.responses({ type: 'object', additionalProperties: false, required: ['delivered_to'], properties: { delivered_to: { type: 'integer' } } }) },
  }, async (req) => ok(port.broadcast(req.body.message, req.body.users)));

  app.post<{ Params: { username: string } }>('/api/quotas/:username/reset', {
    config: { summary: "Reset a user's quota counters" },
    schema: { params: S.usernameParam, response: S.responses({ type: 'object', additionalProperties: false, required: ['username', 'reset'], properties: { username: { type: 'string' }, reset: { type: 'boolean' } } }) },
  }, async (req, reply) => (port.resetQuota(req.params.username) ? ok({ username: req.params.username, reset: true }) : fail(reply, 'SKS5_ERR_API_NOT_FOUND', `user ${req.params.username} not found`)));

  app.post('/api/sse-ticket', {
    config: { summary: 'A single-use 30 s ticket for /api/events or /api/ws (?ticket=)' },
    schema: { response: S.responses({ type: 'object', additionalProperties: false, required: ['ticket', 'expires_in'], properties: { ticket: { type: 'string' }, expires_in: { type: 'integer' } } }) },
  }, async () => ok(ctx.tickets.issue()));

  app.get('/api/backup', { config: { summary: 'Bans and quota counters' }, schema: { response: S.responses(S.backupResponseSchema) } }, async () => ok(port.backup()));

  app.post<{ Body: BackupPayload }>('/api/restore', {
    config: { summary: 'Restore a backup: the bare payload or the whole GET /api/backup response' },
    bodyLimit: RESTORE_BODY_LIMIT,
    // `sks5 backup` saves the whole response; the original's restore wanted the bare payload, so
    // its own CLI round trip failed. Both shapes are accepted here.
    preValidation: async (req) => {
      const body = req.body as unknown as Record<string, unknown> | null;
      if (body && typeof body === 'object' && 'success' in body && 'data' in body) req.body = body['data'] as BackupPayload;
    },
    schema: { body: S.backupSchema, response: S.responses({ type: 'object', additionalProperties: false, required: ['restored_bans', 'restored_quotas'], properties: { restored_bans: { type: 'integer' }, restored_quotas: { type: 'integer' } } }) },
  }, async (req, reply) => {
    const bad = req.body.bans.find((b) => isIP(b.ip) === 0);
    if (bad) return fail(reply, 'SKS5_ERR_API_BAD_REQUEST', `body/bans: ${JSON.stringify(bad.ip)} is not an IP address`);
    const payload: BackupPayload = {
      version: req.body.version,
      timestamp: req.body.timestamp ?? new Date(ctx.clock.now()).toISOString(),
      bans: req.body.bans.filter((b) => b.remaining_secs > 0).map((b) => ({ ip: b.ip, remaining_secs: Math.min(b.remaining_secs, MAX_RESTORED_BAN_SECS) })),
      quotas: req.body.quotas,
    };
    return ok(await port.restore(payload));
  });
}
