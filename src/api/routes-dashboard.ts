/**
 * GET /dashboard (the live web dashboard, public: it holds no secret and reads everything from
 * the authenticated API), GET / -> 308 /dashboard, as in the original, and GET /proxy.pac (public:
 * it names only the HTTP proxy door's address, so a browser can be pointed at it with one URL).
 */
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_HEADERS, DASHBOARD_HTML } from './dashboard/page.js';
import { fail } from './route-context.js';
import type { ManagementPort } from './port.js';
import { PAC_CONTENT_TYPE, renderPac } from '../http/pac.js';

export function registerDashboardRoutes(app: FastifyInstance, port: ManagementPort): void {
  app.get('/proxy.pac', {
    config: { public: true, summary: 'Proxy auto-config for browsers: the HTTP proxy door\'s address (404 when the door is off)' },
    schema: { response: { 200: { type: 'string', contentMediaType: PAC_CONTENT_TYPE } } },
  }, async (req, reply) => {
    const c = port.config();
    const pac = c.http_proxy_listen ? renderPac(c.http_proxy_listen, c.http_proxy_tls ?? false, req.headers.host) : undefined;
    if (pac === undefined) return fail(reply, 'SKS5_ERR_API_NOT_FOUND', c.http_proxy_listen ? 'the proxy listens on every interface and the Host header names no usable address' : 'the HTTP proxy door is off (server.http_proxy_listen)');
    return reply.type(PAC_CONTENT_TYPE).send(pac);
  });

  app.get('/', { config: { public: true, hidden: true } }, async (_req, reply) => reply.redirect('/dashboard', 308));

  app.get('/dashboard', {
    config: { public: true, summary: 'Live web dashboard (HTML; sign in with the API token, kept in the browser tab only)' },
    schema: { response: { 200: { type: 'string', contentMediaType: 'text/html' } } },
  }, async (_req, reply) => reply.headers(DASHBOARD_HEADERS).send(DASHBOARD_HTML));
}
