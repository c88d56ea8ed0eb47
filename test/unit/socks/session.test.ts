import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SocksSession, MAX_EARLY_DATA, type Step } from '../../../src/socks/session.js';

const b = (...xs: number[]): Buffer => Buffer.from(xs);
const auth = (u: string, p: string): Buffer => Buffer.concat([b(1, u.length), Buffer.from(u), b(p.length), Buffer.from(p)]);
const writes = (steps: Step[]): string[] => steps.filter((s) => s.kind === 'write').map((s) => (s as { data: Buffer }).data.toString('hex'));

test('happy path: greeting -> auth -> request, byte by byte', () => {
  const s = new SocksSession();
  const stream = Buffer.concat([b(5, 1, 2), auth('alice', 'pw')]);
  const steps: Step[] = [];
  for (const byte of stream) steps.push(...s.feed(b(byte)));
  assert.deepEqual(writes(steps), ['0502']);
  const a = steps.find((x) => x.kind === 'authenticate');
  assert.ok(a && a.kind === 'authenticate');
  assert.equal(a.credentials.username, 'alice');
  assert.equal(s.state, 'auth-pending');
  const after = s.authResult(true);
  assert.deepEqual(writes(after), ['0100']);
  const req = s.feed(b(5, 1, 0, 1, 93, 184, 216, 34, 0, 80));
  assert.equal(req[0]?.kind, 'request');
  assert.equal(s.state, 'request-pending');
});

test('request pipelined with auth is processed after the auth result', () => {
  const s = new SocksSession();
  s.feed(b(5, 1, 2));
  const steps = s.feed(Buffer.concat([auth('a', 'b'), b(5, 1, 0, 1, 1, 2, 3, 4, 0, 80)]));
  assert.equal(steps.filter((x) => x.kind === 'request').length, 0);
  const after = s.authResult(true);
  assert.equal(after.filter((x) => x.kind === 'request').length, 1);
});

test('no username/password method offered -> 05 FF and close', () => {
  const s = new SocksSession();
  const steps = s.feed(b(5, 1, 0));
  assert.deepEqual(writes(steps), ['05ff']);
  assert.equal(steps.at(-1)?.kind, 'close');
  assert.equal(s.state, 'closed');
});

test('refused source (banned) gets 05 FF even when it offers user/pass', () => {
  const s = new SocksSession({ refuseAll: true });
  assert.deepEqual(writes(s.feed(b(5, 1, 2))), ['05ff']);
});

test('wrong password -> 01 01 and close', () => {
  const s = new SocksSession();
  s.feed(Buffer.concat([b(5, 1, 2), auth('a', 'b')]));
  const steps = s.authResult(false);
  assert.deepEqual(writes(steps), ['0101']);
  assert.equal(steps.at(-1)?.kind, 'close');
});

test('BIND -> reply 07; bad ATYP -> 08; unknown command -> 07', () => {
  for (const [req, rep] of [[b(5, 2, 0, 1, 1, 1, 1, 1, 0, 80), '07'], [b(5, 1, 0, 9, 1, 1, 1, 1, 0, 80), '08'], [b(5, 0x44, 0, 1, 1, 1, 1, 1, 0, 80), '07']] as const) {
    const s = new SocksSession();
    s.feed(Buffer.concat([b(5, 1, 2), auth('a', 'b')]));
    s.authResult(true);
    const steps = s.feed(req);
    assert.equal(writes(steps)[0]?.slice(0, 4), `05${rep}`);
    assert.equal(steps.at(-1)?.kind, 'close');
  }
});

test('malformed greeting is marked malformed (for the log line)', () => {
  const s = new SocksSession();
  const steps = s.feed(Buffer.from('GET / HTTP/1.1\r\n'));
  const c = steps.at(-1);
  assert.ok(c && c.kind === 'close' && c.malformed);
});

test('early data after the request is kept, and bounded', () => {
  const s = new SocksSession();
  s.feed(Buffer.concat([b(5, 1, 2), auth('a', 'b')]));
  s.authResult(true);
  s.feed(Buffer.concat([b(5, 1, 0, 1, 1, 2, 3, 4, 0, 80), Buffer.from('GET /')]));
  s.feed(Buffer.from(' HTTP/1.0\r\n'));
  assert.equal(s.takeEarlyData().toString(), 'GET / HTTP/1.0\r\n');
  const big = s.feed(Buffer.alloc(MAX_EARLY_DATA + 1));
  assert.equal(big.at(-1)?.kind, 'close');
});

test('received credential bytes are zeroed once parsed', () => {
  const s = new SocksSession();
  s.feed(b(5, 1, 2));
  const chunk = auth('alice', 'hunter2');
  const steps = s.feed(chunk);
  const a = steps.find((x) => x.kind === 'authenticate');
  assert.ok(a && a.kind === 'authenticate');
  assert.equal(a.credentials.password.toString(), 'hunter2');
  assert.ok(!chunk.includes(Buffer.from('hunter2')), 'password no longer in the socket chunk');
});
