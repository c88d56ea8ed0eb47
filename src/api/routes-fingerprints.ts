/**
 * The SSH client-fingerprint gate store: list (paginated, optional ?status=), approve, block,
 * label. Status and label are separate calls so re-approving never blanks a label (an sshgate bug).
 */
import type { FastifyInstance } from 'fastify';
import type { PageQuery } from './pagination.js';
import type { FingerprintStatus } from './port.js';
import { paginated } from './routes-read.js';
import * as S from './schemas.js';
import { fail, ok, type ApiContext } from './route-context.js';

const statusResult = { type: 'object', additionalProperties: false, required: ['fingerprint', 'status'], properties: { fingerprint: { type: 'string' }, status: { type: 'string' }, label: { type: 'string' } } } as const;

export function registerFingerprintRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { port } = ctx;

  app.get<{ Querystring: PageQuery & { status?: string } }>('/api/fingerprints', {
    config: { summary: 'SSH client fingerprints seen by the gate' },
    schema: {
      querystring: { type: 'object', additionalProperties: false, properties: { ...S.paginationQuery, status: { type: 'string', enum: ['pending', 'approved', 'blocked'] } } },
      response: S.responses({ type: 'array', items: S.fingerprintSchema }, true),
    },
  }, async (req, reply) => {
    const all = port.fingerprints();
    const wanted = req.query.status === undefined ? all : all.filter((f) => f.status === req.query.status);
    const page = paginated(reply, wanted, (f) => f.fingerprint, req.query);
    return page ? { ...ok(page.items), next_cursor: page.next_cursor } : reply;
  });

  for (const [verb, status] of [['approve', 'approved'], ['block', 'blocked'], ['pending', 'pending']] as const) {
    app.post<{ Params: { fingerprint: string }; Body: { label?: string } | undefined }>(`/api/fingerprints/:fingerprint/${verb}`, {
      config: { summary: `Mark a fingerprint ${status} (optional {label})` },
      schema: { params: S.fingerprintParam, body: { ...S.labelBody, type: ['object', 'null'] }, response: S.responses(statusResult) },
    }, async (req, reply) => {
      const fp = req.params.fingerprint;
      const label = req.body?.label;
      const found = label === undefined ? port.setFingerprintStatus(fp, status as FingerprintStatus) : port.setFingerprintStatus(fp, status as FingerprintStatus, label);
      return found ? ok({ fingerprint: fp, status, ...(label === undefined ? {} : { label }) }) : fail(reply, 'SKS5_ERR_API_NOT_FOUND', `fingerprint ${fp} not found`);
    });
  }

  app.post<{ Params: { fingerprint: string }; Body: { label: string } }>('/api/fingerprints/:fingerprint/label', {
    config: { summary: 'Set the label of a fingerprint' },
    schema: { params: S.fingerprintParam, body: { ...S.labelBody, required: ['label'] }, response: S.responses({ type: 'object', additionalProperties: false, required: ['fingerprint', 'label'], properties: { fingerprint: { type: 'string' }, label: { type: 'string' } } }) },
  }, async (req, reply) => {
    const fp = req.params.fingerprint;
    return port.labelFingerprint(fp, req.body.label) ? ok({ fingerprint: fp, label: req.body.label }) : fail(reply, 'SKS5_ERR_API_NOT_FOUND', `fingerprint ${fp} not found`);
  });
}
