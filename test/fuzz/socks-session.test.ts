import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_EARLY_DATA, SocksSession } from '../../src/socks/session.js';
import { parseRequest, encodeRequest } from '../../src/socks/codec.js';

// The largest handshake frame is an RFC 1929 request (1 + 1 + 255 + 1 + 255 bytes): while parsing, the
// session holds less than one such frame; while the listener decides (auth, connect), it holds early data
// up to MAX_EARLY_DATA and closes the session one byte past it.
const MAX_FRAME = 513;
const GREETING_AND_AUTH = Buffer.from([5, 1, 2, 1, 1, 0x61, 1, 0x62]);

function assertBounded(s: SocksSession): void {
  if (s.state === 'closed') return;
  const deciding = s.state === 'auth-pending' || s.state === 'request-pending';
  if (deciding) assert.ok(s.buffered <= MAX_EARLY_DATA, `${s.state}: ${s.buffered} bytes buffered`);
  else assert.ok(s.buffered < MAX_FRAME, `${s.state}: ${s.buffered} bytes buffered`);
}

test('any byte stream: the session never throws; it buffers less than a frame while parsing, early data up to the limit', () => {
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 }), fc.boolean(), (chunks, authOk) => {
    const s = new SocksSession();
    for (const c of chunks) {
      const steps = s.feed(Buffer.from(c));
      if (steps.some((x) => x.kind === 'authenticate')) s.authResult(authOk);
      assertBounded(s);
      if (s.state === 'closed') break;
    }
  }), { numRuns: 3000 });
});

test('a valid greeting and auth, then 16-96 KiB of random bytes: early data is capped at MAX_EARLY_DATA', () => {
  let closedByLimit = 0;
  fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: 4096, maxLength: 8192 }), { minLength: 4, maxLength: 12 }), fc.boolean(), (chunks, answerAuth) => {
    const s = new SocksSession();
    s.feed(Buffer.from(GREETING_AND_AUTH));
    assert.equal(s.state as string, 'auth-pending');
    let total = 0;
    for (const [i, c] of chunks.entries()) {
      // Half the runs answer the auth after the first chunk, so the request parser sees random bytes.
      if (answerAuth && i === 1) s.authResult(true);
      const steps = s.feed(Buffer.from(c));
      total += c.length;
      assertBounded(s);
      if (s.state === 'closed') {
        if (steps.some((x) => x.kind === 'close' && /64 KiB/.test(x.reason))) closedByLimit += 1;
        break;
      }
    }
    if (!answerAuth && total > MAX_EARLY_DATA) assert.equal(s.state, 'closed');
  }), { numRuns: 300 });
  // The limit itself is exercised, not only approached.
  assert.ok(closedByLimit > 0);
});

test('a valid handshake split at every byte gives the same steps as in one piece', () => {
  fc.assert(fc.property(fc.domain(), fc.integer({ min: 1, max: 65535 }), (host, port) => {
    const wire = Buffer.concat([Buffer.from([5, 1, 2, 1, 1, 0x61, 1, 0x62]), encodeRequest(1, host, port)]);
    for (let cut = 1; cut < wire.length; cut++) {
      const s = new SocksSession();
      // feed() zeroes the credential bytes it was given, so each split gets its own copy
      const copy = Buffer.from(wire);
      const steps = [...s.feed(copy.subarray(0, cut)), ...s.feed(copy.subarray(cut))];
      assert.ok(steps.some((x) => x.kind === 'authenticate'));
      const after = s.authResult(true);
      const req = after.find((x) => x.kind === 'request');
      assert.ok(req && req.kind === 'request', `cut ${cut}`);
      assert.equal(req.request.port, port);
    }
  }), { numRuns: 200 });
});

test('parseRequest on random bytes: need, ok or a SocksProtocolError with a reply code', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
    const r = parseRequest(Buffer.from(bytes));
    if (r.kind === 'error') assert.ok(r.error.reply === undefined || (r.error.reply >= 1 && r.error.reply <= 8));
    if (r.kind === 'ok') assert.ok(r.consumed <= bytes.length);
  }), { numRuns: 5000 });
});
