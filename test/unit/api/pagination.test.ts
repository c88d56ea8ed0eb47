import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMIT, PageQueryError, decodeCursor, encodeCursor, paginate } from '../../../src/api/pagination.js';
import { TokenCheck, tokenProblem } from '../../../src/api/auth.js';

const key = (s: string): string => s;

test('pages follow the sort key and survive inserts between requests', () => {
  const items = ['d', 'a', 'c', 'b', 'e'];
  const p1 = paginate(items, key, { limit: '2' });
  assert.deepEqual(p1.items, ['a', 'b']);
  const p2 = paginate([...items, 'aa'], key, { limit: '2', cursor: p1.next_cursor as string });
  assert.deepEqual(p2.items, ['c', 'd'], 'an item inserted before the cursor does not shift the page');
  const p3 = paginate(items, key, { limit: '2', cursor: p2.next_cursor as string });
  assert.deepEqual([p3.items, p3.next_cursor], [['e'], null]);
  assert.equal(paginate(items, key, {}).next_cursor, null);
  assert.equal(paginate(Array.from({ length: DEFAULT_LIMIT + 1 }, (_, i) => String(i).padStart(5, '0')), key, {}).items.length, DEFAULT_LIMIT);
});

test('bad cursors and limits are refused with a precise message', () => {
  assert.equal(decodeCursor(encodeCursor('x:y')), 'x:y');
  for (const c of ['', '!!', 'a'.repeat(2000), Buffer.from('[1]').toString('base64url'), Buffer.from('{"k":1}').toString('base64url')]) {
    assert.throws(() => decodeCursor(c), PageQueryError, c.slice(0, 20));
  }
  for (const limit of ['0', '1001', '1.5', 'abc']) assert.throws(() => paginate([], key, { limit }), /limit must be an integer from 1 to 1000/);
});

test('token check: only the exact Bearer token passes; an empty token never does', () => {
  const check = new TokenCheck('secret-token-0123456789');
  assert.ok(check.matchesHeader('Bearer secret-token-0123456789'));
  assert.ok(check.matchesHeader('bearer secret-token-0123456789'));
  for (const h of [undefined, '', 'Bearer', 'Bearer secret-token-012345678', 'Bearer secret-token-01234567890', 'Basic secret-token-0123456789', 'secret-token-0123456789', `Bearer ${'x'.repeat(10_000)}`]) {
    assert.equal(check.matchesHeader(h), false, String(h).slice(0, 40));
  }
  const empty = new TokenCheck('');
  assert.equal(empty.configured, false);
  assert.equal(empty.matches(''), false);
  assert.match(tokenProblem('') ?? '', /empty/);
  assert.match(tokenProblem('short') ?? '', /at least 16/);
  assert.equal(tokenProblem('0123456789abcdef'), undefined);
});
