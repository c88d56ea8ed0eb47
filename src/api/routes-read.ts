/**
 * Read-only routes: health, status, users, connections, sessions, groups, quotas, ssh-config, and
 * the unauthenticated /livez and /readyz probes.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PageQueryError, paginate, type PageQuery } from './pagination.js';
import type { SessionView, UserSummary } from './port.js';
import * as S from './schemas.js';
import { fail, ok, type ApiContext } from './route-context.js';

const DETAILS_TRUE = new Set(['true', '1', 'yes']);
const SSH_CONFIG_TOKEN = /^[A-Za-z0-9._@-]{1,255}$/;
const SSH_CONFIG_HOST = /^[A-Za-z0-9.:_-]{1,253}$/;

export function registerReadRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { port } = ctx;

  app.get('/livez', { config: { public: true, summary: 'Liveness probe' }, schema: { response: { 200: { type: 'string' } } } },
    async (_req, reply) => reply.type('text/plain').send('ok'));

  app.get('/readyz', {
    config: { public: true, summary: 'Readiness probe: users loaded and not in maintenance' },
    schema: { response: { '2xx': readySchema, '5xx': readySchema } },
  }, async (_req, reply) => {
    const s = port.status();
    const ready = s.total_users > 0 && !s.maintenance;
    return reply.code(ready ? 200 : 503).send({
      ready,
      checks: { auth: s.total_users > 0 ? 'ok' : 'no_users_loaded', metrics: 'ok', maintenance: s.maintenance ? 'enabled' : 'disabled' },
    });
  });

  app.get('/api/health', {
    config: { public: true, summary: 'Health (the only unauthenticated /api/ route); 503 in maintenance' },
    schema: { response: { 200: S.envelope(S.healthSchema), 503: S.envelope(S.healthSchema) } },
  }, async (_req, reply) => {
    const s = port.status();
    // Degraded still serves (on this node's state), so it answers 200: a load balancer keeps the node.
    const status = s.maintenance ? 'maintenance' : s.cluster?.state === 'degraded' ? 'degraded' : 'ok';
    const data = { status, maintenance: s.maintenance, active_connections: s.active_connections, uptime_secs: s.uptime_secs, ...(s.cluster ? { cluster: s.cluster } : {}) };
    if (s.maintenance) return fail(reply, 'SKS5_DENY_MAINTENANCE', 'maintenance', data);
    return ok(data);
  });

  app.get('/api/cluster', { config: { summary: 'Nodes of the cluster: version, last heartbeat, sessions and tunnels' }, schema: { response: S.responses(S.clusterViewSchema) } }, async () =>
    ok(port.cluster?.() ?? { enabled: false, node: null, state: null, nodes: [] }));

  app.get('/api/status', { config: { summary: 'Server status' }, schema: { response: S.responses(S.statusSchema) } }, async () => {
    const s = port.status();
    return ok({ status: s.maintenance ? 'maintenance' : 'ok', uptime_secs: s.uptime_secs, active_connections: s.active_connections, total_users: s.total_users, maintenance: s.maintenance });
  });

  app.get<{ Querystring: PageQuery & { details?: string } }>('/api/users', {
    config: { summary: 'Configured users (?details=true adds live usage)' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: { ...S.paginationQuery, details: { type: 'string', maxLength: 8 } } }, response: S.responses({ type: 'array', items: S.userSummarySchema }, true) },
  }, async (req, reply) => {
    const details = DETAILS_TRUE.has((req.query.details ?? '').toLowerCase());
    const page = paginated(reply, port.users(), (u) => u.username, req.query);
    if (!page) return reply;
    const items = details ? page.items : page.items.map(withoutLiveFields);
    return { ...ok(items), next_cursor: page.next_cursor };
  });

  app.get<{ Params: { username: string } }>('/api/users/:username', {
    config: { summary: 'One user in detail (never secrets)' },
    schema: { params: S.usernameParam, response: S.responses(S.userDetailSchema) },
  }, async (req, reply) => {
    const u = port.user(req.params.username);
    return u ? ok(u) : fail(reply, 'SKS5_ERR_API_NOT_FOUND', `user ${req.params.username} not found`);
  });

  app.get('/api/connections', { config: { summary: 'Active connections per user' }, schema: { response: S.responses(S.connectionsSchema) } }, async () => ok(port.connections()));

  const sessionList = { type: 'array', items: S.sessionSchema };
  app.get<{ Querystring: PageQuery }>('/api/sessions', {
    config: { summary: 'Active proxy sessions' },
    schema: { querystring: { type: 'object', additionalProperties: false, properties: S.paginationQuery }, response: S.responses(sessionList, true) },
  }, async (req, reply) => {
    const page = paginated(reply, port.sessions(), sessionKey, req.query);
    return page ? { ...ok(page.items), next_cursor: page.next_cursor } : reply;
  });

  app.get<{ Params: { username: string }; Querystring: PageQuery }>('/api/sessions/:username', {
    config: { summary: "One user's active proxy sessions" },
    schema: { params: S.usernameParam, querystring: { type: 'object', additionalProperties: false, properties: S.paginationQuery }, response: S.responses(sessionList, true) },
  }, async (req, reply) => {
    if (!port.user(req.params.username)) return fail(reply, 'SKS5_ERR_API_NOT_FOUND', `user ${req.params.username} not found`);
    const page = paginated(reply, port.sessions().filter((s) => s.username === req.params.username), sessionKey, req.query);
    return page ? { ...ok(page.items), next_cursor: page.next_cursor } : reply;
  });

  app.get('/api/groups', { config: { summary: 'Groups with member usage' }, schema: { response: S.responses({ type: 'array', items: S.groupSchema }) } }, async () => ok(port.groups()));

  app.get<{ Params: { name: string } }>('/api/groups/:name', {
    config: { summary: 'One group' },
    schema: { params: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 255 } } }, response: S.responses(S.groupSchema) },
  }, async (req, reply) => {
    const g = port.groups().find((x) => x.name === req.params.name);
    return g ? ok(g) : fail(reply, 'SKS5_ERR_API_NOT_FOUND', `group ${req.params.name} not found`);
  });

  app.get('/api/quotas', { config: { summary: 'Quota usage of every user' }, schema: { response: S.responses({ type: 'array', items: S.quotaUsageSchema }) } }, async () => ok(port.quotas()));

  app.get<{ Params: { username: string } }>('/api/quotas/:username', {
    config: { summary: "One user's quota usage" },
    schema: { params: S.usernameParam, response: S.responses(S.quotaUsageSchema) },
  }, async (req, reply) => {
    const q = port.quota(req.params.username);
    return q ? ok(q) : fail(reply, 'SKS5_ERR_API_NOT_FOUND', `user ${req.params.username} not found: not configured and no quota counters`);
  });

  app.get<{ Querystring: { user: string; host?: string } }>('/api/ssh-config', {
    config: { summary: '~/.ssh/config block for a user (text/plain)' },
    schema: {
      querystring: { type: 'object', additionalProperties: false, required: ['user'], properties: { user: { type: 'string', pattern: SSH_CONFIG_TOKEN.source }, host: { type: 'string', pattern: SSH_CONFIG_HOST.source } } },
      response: { 200: { type: 'string' }, '4xx': S.errorEnvelope },
    },
  }, async (req, reply) => {
    const listen = port.config().ssh_listen;
    const sep = listen.lastIndexOf(':');
    const listenHost = listen.slice(0, sep).replace(/^\[|\]$/g, '');
    const sshPort = listen.slice(sep + 1);
    const wildcard = listenHost === '' || listenHost === '0.0.0.0' || listenHost === '::';
    const host = req.query.host ?? (wildcard ? req.hostname.replace(/:\d+$/, '') : listenHost);
    if (!SSH_CONFIG_HOST.test(host)) return fail(reply, 'SKS5_ERR_API_BAD_REQUEST', 'querystring/host is required (the listen address is a wildcard)');
    // accept-new instead of the original's "StrictHostKeyChecking no" + /dev/null known_hosts,
    // which would accept a different host key on every connection.
    const text = [
      'Host sks5-proxy',
      `    HostName ${host}`,
      `    Port ${sshPort}`,
      `    User ${req.query.user}`,
      '    DynamicForward 1080',
      '    StrictHostKeyChecking accept-new',
      '    ServerAliveInterval 30',
      '    ServerAliveCountMax 3',
      '',
    ].join('\n');
    return reply.type('text/plain; charset=utf-8').send(text);
  });
}

const readySchema = {
  type: 'object', additionalProperties: false, required: ['ready', 'checks'],
  properties: { ready: { type: 'boolean' }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
} as const;

function withoutLiveFields(u: UserSummary): UserSummary {
  const { current_connections: _c, total_bytes_transferred: _t, quota_usage: _q, ...rest } = u;
  return rest as UserSummary;
}

/** Paginates, or answers 400 for a bad cursor and returns undefined. */
/** Session ids are unique per node only, so a cluster-wide page is ordered by node first. */
function sessionKey(s: SessionView): string {
  return s.node === undefined ? s.session_id : `${s.node}\u0000${s.session_id}`;
}

export function paginated<T>(reply: FastifyReply, items: readonly T[], key: (t: T) => string, query: PageQuery) {
  try {
    return paginate(items, key, query);
  } catch (err) {
    fail(reply, 'SKS5_ERR_API_BAD_REQUEST', err instanceof PageQueryError ? err.message : 'bad pagination query');
    return undefined;
  }
}
