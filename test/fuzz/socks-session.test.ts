import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SocksSession } from '../../src/socks/session.js';
import { parseRequest, encodeRequest } from '../../src/socks/codec.js';

test('any byte stream: the session never throws, and buffers at most a bounded amount', () => {
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 }), fc.boolean(), (chunks, authOk) => {
    const s = new SocksSession();
    for (const c of chunks) {
      const steps = s.feed(Buffer.from(c));
      if (steps.some((x) => x.kind === 'authenticate')) s.authResult(authOk);
      assert.ok(s.buffered <= 64 * 1024 + 600 * 20);
      if (s.state === 'closed') break;
    }
  }), { numRuns: 3000 });
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
