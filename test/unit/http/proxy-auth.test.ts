import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CREDENTIALS_BYTES, parseProxyAuthorization } from '../../../src/http/proxy-auth.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('Basic credentials: username, password bytes (a colon and TOTP code stay in the password)', () => {
  const r = parseProxyAuthorization(`Basic ${b64('alice:pw:123456')}`);
  assert.equal(r.kind, 'basic');
  if (r.kind !== 'basic') return;
  assert.equal(r.username, 'alice');
  assert.equal(r.password.toString(), 'pw:123456');
  const lower = parseProxyAuthorization(`  basic   ${b64('bob:')}  `);
  assert.equal(lower.kind, 'basic');
  if (lower.kind === 'basic') assert.equal(lower.password.length, 0);
  const utf8 = parseProxyAuthorization(`Basic ${b64('zoë:mot')}`);
  assert.equal(utf8.kind === 'basic' && utf8.username, 'zoë');
});

test('absent is none; other schemes, bad base64, no colon, empty username are malformed', () => {
  assert.deepEqual(parseProxyAuthorization(undefined), { kind: 'none' });
  for (const h of ['Digest x', 'Bearer abc', 'Basic', 'Basic !!!!', 'Basic YWJj', `Basic ${b64('nocolon')}`, `Basic ${b64(':pw')}`]) {
    assert.equal(parseProxyAuthorization(h).kind, 'malformed', h);
  }
});

test('credentials size: exactly the limit passes, one byte more is refused', () => {
  const at = `u:${'p'.repeat(MAX_CREDENTIALS_BYTES - 2)}`;
  assert.equal(parseProxyAuthorization(`Basic ${b64(at)}`).kind, 'basic');
  const over = parseProxyAuthorization(`Basic ${b64(`${at}p`)}`);
  assert.equal(over.kind, 'malformed');
  if (over.kind === 'malformed') assert.match(over.reason, /longer than 1024 bytes/);
});
