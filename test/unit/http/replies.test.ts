import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeReply, refusalReply } from '../../../src/http/replies.js';
import { ERROR_CODES, httpStatusOf } from '../../../src/errors.js';

test('every catalogued code answers with its status and names the code; only 407 challenges', () => {
  for (const code of ERROR_CODES) {
    const r = refusalReply(code, 'short reason');
    assert.equal(r.status, httpStatusOf(code), code);
    assert.equal(r.body, `short reason (${code})\n`);
    assert.equal(r.headers['Content-Length'], String(Buffer.byteLength(r.body)));
    assert.equal(r.headers['Proxy-Authenticate'] !== undefined, r.status === 407, code);
  }
  assert.equal(refusalReply('SKS5_ERR_AUTH', 'x').headers['Proxy-Authenticate'], 'Basic realm="sks5", charset="UTF-8"');
});

test('the raw form is a complete HTTP/1.1 response', () => {
  const wire = encodeReply(refusalReply('SKS5_DENY_ACL', 'not allowed'), true);
  assert.match(wire, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(wire, /\r\nConnection: close\r\n\r\nnot allowed \(SKS5_DENY_ACL\)\n$/);
  assert.doesNotMatch(encodeReply(refusalReply('SKS5_DENY_ACL', 'x'), false), /Connection/);
});
