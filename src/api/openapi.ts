/**
 * The OpenAPI 3.1 document, generated from the very schemas Fastify validates and serializes
 * with: an `onRoute` hook records each route as it is registered, so the document cannot drift
 * from the code. JSON Schema 2020-12 is OpenAPI 3.1's schema dialect, so schemas are used as-is.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

interface RecordedRoute {
  method: string;
  url: string;
  schema: Record<string, unknown> | undefined;
  summary: string | undefined;
  public: boolean;
}

export class OpenApiCollector {
  readonly #routes: RecordedRoute[] = [];

  /** Register before any route: Fastify only reports routes added after the hook. */
  attach(app: FastifyInstance): void {
    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const config = (route.config ?? {}) as { summary?: string; public?: boolean; hidden?: boolean };
      if (config.hidden) return;
      for (const method of methods) {
        if (method === 'HEAD') continue;
        this.#routes.push({ method: method.toLowerCase(), url: route.url, schema: route.schema as Record<string, unknown> | undefined, summary: config.summary, public: config.public === true });
      }
    });
  }

  routes(): ReadonlyArray<{ method: string; url: string }> {
    return this.#routes.map((r) => ({ method: r.method, url: r.url }));
  }

  document(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.#routes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const op: Record<string, unknown> = { operationId: `${r.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}` };
      if (r.summary) op['summary'] = r.summary;
      op['security'] = r.public ? [] : [{ bearer: [] }];
      const parameters = [...paramsOf(r.schema?.['params'], 'path'), ...paramsOf(r.schema?.['querystring'], 'query')];
      if (parameters.length) op['parameters'] = parameters;
      if (r.schema?.['body']) op['requestBody'] = { required: true, content: { 'application/json': { schema: r.schema['body'] } } };
      op['responses'] = responsesOf(r.schema?.['response']);
      (paths[path] ??= {})[r.method] = op;
    }
    return {
      openapi: '3.1.0',
      info,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      paths,
    };
  }
}

function paramsOf(schema: unknown, where: 'path' | 'query'): unknown[] {
  const s = schema as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  if (!s?.properties) return [];
  return Object.entries(s.properties).map(([name, sub]) => ({
    name, in: where, required: where === 'path' || (s.required ?? []).includes(name), schema: sub,
  }));
}

function responsesOf(schema: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const s = (schema ?? {}) as Record<string, unknown>;
  for (const [code, sub] of Object.entries(s)) {
    const key = code.toUpperCase();
    const { type, contentMediaType } = sub as { type?: string; contentMediaType?: string };
    const media = contentMediaType ?? (type === 'string' ? 'text/plain' : 'application/json');
    out[key] = { description: key.startsWith('2') ? 'success' : 'error', content: { [media]: { schema: sub } } };
  }
  if (Object.keys(out).length === 0) out['200'] = { description: 'success' };
  return out;
}
