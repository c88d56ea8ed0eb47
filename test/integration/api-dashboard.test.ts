/**
 * GET /dashboard and GET / through fastify.inject: public, HTML with the strict security headers,
 * no secret inside, listed in the OpenAPI document. The browser side is test/e2e/dashboard-browser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/clock.js';
import { EventBus } from '../../src/observe/events.js';
import { createApiServer } from '../../src/api/server.js';
import { FakePort } from '../unit/api/fake-port.js';

const TOKEN = 'dash-token-0123456789abcdef';

function setup(token = TOKEN) {
  const clock = new FakeClock('2026-03-01T12:00:00Z');
  return createApiServer({ port: new FakePort(), events: new EventBus(() => clock.now()), token, clock });
}

test('GET /dashboard: public HTML with a hash-based CSP, DENY framing, nosniff, no referrer, no cache', async (t) => {
  const app = setup();
  t.after(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/dashboard' });
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  const csp = String(r.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/]{43}='/);
  assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/]{43}='/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe/);
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['referrer-policy'], 'no-referrer');
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.match(r.body, /^<!doctype html>/);
  assert.ok(!r.body.includes(TOKEN), 'the page holds no token');
  assert.ok(!r.body.includes('203.0.113.9') && !r.body.includes('alice'), 'the page holds no server data');
});

test('GET /dashboard ignores credentials and ?token=: the page is the same for everyone', async (t) => {
  const app = setup();
  t.after(() => app.close());
  const plain = await app.inject({ method: 'GET', url: '/dashboard' });
  const withAuth = await app.inject({ method: 'GET', url: '/dashboard', headers: { authorization: `Bearer ${TOKEN}` } });
  const withQuery = await app.inject({ method: 'GET', url: `/dashboard?token=${TOKEN}` });
  assert.equal(withAuth.body, plain.body);
  assert.equal(withQuery.statusCode, 200);
  assert.equal(withQuery.body, plain.body, 'a token in the URL is neither used nor echoed');
  const head = await app.inject({ method: 'HEAD', url: '/dashboard' });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['x-frame-options'], 'DENY');
});

test('the dashboard is served even when no API token is configured (the API then refuses every call)', async (t) => {
  const app = setup('');
  t.after(() => app.close());
  assert.equal((await app.inject({ method: 'GET', url: '/dashboard' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/api/status' })).statusCode, 503);
});

test('GET / redirects to /dashboard with 308', async (t) => {
  const app = setup();
  t.after(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/' });
  assert.equal(r.statusCode, 308);
  assert.equal(r.headers.location, '/dashboard');
});

test('OpenAPI lists /dashboard as public text/html, and not the / redirect', async (t) => {
  const app = setup();
  t.after(() => app.close());
  const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json', headers: { authorization: `Bearer ${TOKEN}` } })).json();
  const op = doc.paths['/dashboard'].get;
  assert.deepEqual(op.security, []);
  assert.ok(op.responses['200'].content['text/html']);
  assert.equal(doc.paths['/'], undefined);
});
