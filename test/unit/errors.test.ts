import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastify } from 'fastify';
import { ERRORS, ERROR_CODES, Sks5Error, codeFromSocketError, httpStatusOf, isPolicyDenial, socksReplyOf, sshReasonOf, type ErrorCode } from '../../src/errors.js';
import { encodeRefusal, parseReply } from '../../src/socks/codec.js';
import { fail } from '../../src/api/route-context.js';
import { codeOfUpstreamReply } from '../../src/relay/upstream.js';

/**
 * The wire answer of every code on every door, written out literally: changing a mapping (or
 * adding a code) has to change this table too. [SOCKS5 REP, SSH reason, HTTP status]
 */
const WIRE: Record<ErrorCode, [number, number, number]> = {
  SKS5_DENY_ACL: [0x02, 1, 403],
  SKS5_DENY_SSRF: [0x02, 1, 403],
  SKS5_DENY_GEOIP: [0x02, 1, 403],
  SKS5_DENY_FORWARDING: [0x02, 1, 403],
  SKS5_DENY_SHELL: [0x02, 1, 403],
  SKS5_DENY_SOURCE_IP: [0x02, 1, 403],
  SKS5_DENY_TIME: [0x02, 1, 403],
  SKS5_DENY_EXPIRED: [0x02, 1, 403],
  SKS5_DENY_BANNED: [0x02, 1, 403],
  SKS5_DENY_REPUTATION: [0x02, 1, 403],
  SKS5_DENY_MAINTENANCE: [0x02, 1, 503],
  SKS5_DENY_FINGERPRINT: [0x02, 1, 403],
  SKS5_DENY_RATE: [0x02, 4, 429],
  SKS5_DENY_QUOTA: [0x02, 4, 429],
  SKS5_DENY_CONN_LIMIT: [0x02, 4, 429],
  SKS5_DENY_STARTUPS: [0x02, 4, 503],
  SKS5_DENY_STARTUPS_SOURCE: [0x02, 4, 429],
  SKS5_ERR_AUTH: [0x02, 1, 407],
  SKS5_ERR_DNS: [0x04, 2, 502],
  SKS5_ERR_REFUSED: [0x05, 2, 502],
  SKS5_ERR_NET_UNREACHABLE: [0x03, 2, 502],
  SKS5_ERR_HOST_UNREACHABLE: [0x04, 2, 502],
  SKS5_ERR_TIMEOUT: [0x06, 2, 504],
  SKS5_ERR_CONNECT: [0x01, 2, 502],
  SKS5_ERR_UPSTREAM: [0x01, 2, 502],
  SKS5_ERR_UPSTREAM_DENIED: [0x02, 1, 502],
  SKS5_ERR_BAD_TARGET: [0x04, 2, 400],
  SKS5_ERR_COMMAND: [0x07, 3, 400],
  SKS5_ERR_ATYP: [0x08, 2, 400],
  SKS5_ERR_PROTOCOL: [0x01, 2, 400],
  SKS5_ERR_HTTP_HEADERS_TOO_LARGE: [0x01, 2, 431],
  SKS5_ERR_HTTP_TIMEOUT: [0x01, 2, 408],
  SKS5_ERR_INTERNAL: [0x01, 2, 500],
  SKS5_ERR_API_BAD_REQUEST: [0x01, 2, 400],
  SKS5_ERR_API_UNAUTHORIZED: [0x01, 2, 401],
  SKS5_ERR_API_NOT_FOUND: [0x01, 2, 404],
  SKS5_ERR_API_BODY_TOO_LARGE: [0x01, 2, 413],
  SKS5_ERR_API_UPGRADE_REQUIRED: [0x01, 2, 426],
  SKS5_ERR_API_MEDIA_TYPE: [0x01, 2, 415],
  SKS5_ERR_API_RELOAD_FAILED: [0x01, 2, 422],
  SKS5_ERR_API_NO_TOKEN: [0x01, 2, 503],
  SKS5_ERR_API_BUSY: [0x01, 2, 503],
};

test('the table covers every catalogued code and nothing else', () => {
  assert.deepEqual(Object.keys(WIRE).sort(), [...ERROR_CODES].sort());
});

test('SOCKS5 door: every code answers with its reply byte (a parseable RFC 1928 reply)', () => {
  for (const code of ERROR_CODES) {
    const bytes = encodeRefusal(code);
    const r = parseReply(bytes);
    assert.equal(r.kind, 'ok', code);
    if (r.kind === 'ok') assert.equal(r.value.rep, WIRE[code][0], code);
    assert.equal(socksReplyOf(code), WIRE[code][0], code);
  }
});

test('SSH door: every code maps to its CHANNEL_OPEN_FAILURE reason', () => {
  for (const code of ERROR_CODES) assert.equal(sshReasonOf(code), WIRE[code][1], code);
});

test('HTTP door (the API): every code answers with its status and names the code', async () => {
  const app = fastify({ logger: false });
  app.get('/fail/:code', async (req, reply) => fail(reply, (req.params as { code: ErrorCode }).code, 'because'));
  try {
    for (const code of ERROR_CODES) {
      const res = await app.inject({ method: 'GET', url: `/fail/${code}` });
      assert.equal(res.statusCode, WIRE[code][2], code);
      assert.equal(httpStatusOf(code), WIRE[code][2], code);
      assert.deepEqual(res.json(), { success: false, data: null, error: 'because', code });
    }
  } finally {
    await app.close();
  }
});

test('HTTP statuses an HTTP proxy door needs are in the catalogue', () => {
  assert.equal(httpStatusOf('SKS5_DENY_ACL'), 403);
  assert.equal(httpStatusOf('SKS5_DENY_RATE'), 429);
  assert.equal(httpStatusOf('SKS5_DENY_QUOTA'), 429);
  assert.equal(httpStatusOf('SKS5_ERR_REFUSED'), 502);
  assert.equal(httpStatusOf('SKS5_ERR_DNS'), 502);
  assert.equal(httpStatusOf('SKS5_ERR_TIMEOUT'), 504);
  assert.equal(httpStatusOf('SKS5_DENY_MAINTENANCE'), 503);
  assert.equal(httpStatusOf('SKS5_ERR_AUTH'), 407);
});

test('policy denials are exactly the SKS5_DENY_* codes', () => {
  for (const code of ERROR_CODES) assert.equal(isPolicyDenial(code), code.startsWith('SKS5_DENY_'), code);
  for (const code of ERROR_CODES) assert.ok(ERRORS[code].meaning.length > 0, code);
});

test('socket errors map to their codes; an unknown errno is a general failure, not host unreachable', () => {
  const errno = (code: string): Error => Object.assign(new Error(code), { code });
  assert.equal(codeFromSocketError(errno('ECONNREFUSED')), 'SKS5_ERR_REFUSED');
  assert.equal(codeFromSocketError(errno('ETIMEDOUT')), 'SKS5_ERR_TIMEOUT');
  assert.equal(codeFromSocketError(errno('ENETUNREACH')), 'SKS5_ERR_NET_UNREACHABLE');
  assert.equal(codeFromSocketError(errno('EHOSTUNREACH')), 'SKS5_ERR_HOST_UNREACHABLE');
  assert.equal(codeFromSocketError(errno('ENOTFOUND')), 'SKS5_ERR_DNS');
  assert.equal(codeFromSocketError(errno('EWHATEVER')), 'SKS5_ERR_CONNECT');
  assert.equal(socksReplyOf(codeFromSocketError(errno('EWHATEVER'))), 0x01);
  assert.equal(codeFromSocketError(new Sks5Error('SKS5_ERR_UPSTREAM', 'x')), 'SKS5_ERR_UPSTREAM');
  assert.equal(codeFromSocketError(undefined), 'SKS5_ERR_CONNECT');
});

test("an upstream proxy's reply code is passed on as ours", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((rep) => socksReplyOf(codeOfUpstreamReply(rep))), [1, 2, 3, 4, 5, 6, 1, 1, 1]);
  assert.equal(isPolicyDenial(codeOfUpstreamReply(2)), false, "the upstream's 0x02 is its policy, not ours");
});
