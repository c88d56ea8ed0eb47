/**
 * GET /dashboard (the live web dashboard, public: it holds no secret and reads everything from
 * the authenticated API) and GET / -> 308 /dashboard, as in the original.
 */
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_HEADERS, DASHBOARD_HTML } from './dashboard/page.js';

export function registerDashboardRoutes(app: FastifyInstance): void {
  app.get('/', { config: { public: true, hidden: true } }, async (_req, reply) => reply.redirect('/dashboard', 308));

  app.get('/dashboard', {
    config: { public: true, summary: 'Live web dashboard (HTML; sign in with the API token, kept in the browser tab only)' },
    schema: { response: { 200: { type: 'string', contentMediaType: 'text/html' } } },
  }, async (_req, reply) => reply.headers(DASHBOARD_HEADERS).send(DASHBOARD_HTML));
}
