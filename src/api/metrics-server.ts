/**
 * The `[metrics]` listener: /metrics in Prometheus text format, plus /health, /livez and /readyz
 * for orchestrators that only reach this port. Unauthenticated like the original's; bind it to
 * loopback or a monitoring network.
 */
import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Metrics } from '../observe/metrics.js';

export interface MetricsServerOptions {
  metrics: Pick<Metrics, 'render' | 'contentType'>;
  status: () => { maintenance: boolean; total_users: number };
  log?: FastifyBaseLogger;
}

export function createMetricsServer(opts: MetricsServerOptions): FastifyInstance {
  const app = fastify({ bodyLimit: 1024, ...(opts.log ? { loggerInstance: opts.log } : { logger: false }) }) as unknown as FastifyInstance;
  app.get('/metrics', async (_req, reply) => reply.type(opts.metrics.contentType).send(await opts.metrics.render()));
  app.get('/health', async (_req, reply) => {
    const maintenance = opts.status().maintenance;
    return reply.code(maintenance ? 503 : 200).type('text/plain').send(maintenance ? 'maintenance' : 'ok');
  });
  app.get('/livez', async (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/readyz', async (_req, reply) => {
    const s = opts.status();
    const ready = s.total_users > 0 && !s.maintenance;
    return reply.code(ready ? 200 : 503).send({
      ready,
      checks: { auth: s.total_users > 0 ? 'ok' : 'no_users_loaded', metrics: 'ok', maintenance: s.maintenance ? 'enabled' : 'disabled' },
    });
  });
  return app;
}
