import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardHeaders, hasHeader } from '../../../src/http/hop-headers.js';

test('hop-by-hop fields and the fields Connection names are dropped; order, case and repeats are kept', () => {
  const raw = [
    'Host', 'example.com', 'Proxy-Authorization', 'Basic eDp5', 'Connection', 'keep-alive, X-Private',
    'Keep-Alive', 'timeout=5', 'X-Private', 'hop', 'Set-Cookie', 'a=1', 'TE', 'trailers', 'Transfer-Encoding', 'chunked',
    'Upgrade', 'h2c', 'Proxy-Connection', 'X-Legacy', 'X-Legacy', 'x', 'Trailer', 'Expires', 'set-cookie', 'b=2', 'Proxy-Authenticate', 'Basic',
  ];
  assert.deepEqual(forwardHeaders(raw, '1.1 sks5'), ['Host', 'example.com', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'Via', '1.1 sks5']);
});

test('an existing Via gets our hop appended', () => {
  assert.deepEqual(forwardHeaders(['Via', '1.0 fred', 'Accept', '*/*'], '1.1 sks5'), ['Via', '1.0 fred, 1.1 sks5', 'Accept', '*/*']);
});

test('hasHeader is case-insensitive on names', () => {
  assert.equal(hasHeader(['HOST', 'x'], 'host'), true);
  assert.equal(hasHeader(['Accept', 'host'], 'host'), false);
});
