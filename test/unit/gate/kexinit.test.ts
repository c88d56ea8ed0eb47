import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientHelloParser, IdentParser, MAX_IDENT_BYTES, MAX_LINE_BYTES, MAX_PACKET_BYTES, parseKexinitPayload, type HelloStep } from '../../../src/gate/kexinit.js';
import { SAMPLE_IDENT, SAMPLE_LISTS, hello, kexinitPayload, packet } from '../../fixtures/gate/packets.js';

function run(bytes: Buffer): HelloStep {
  return new ClientHelloParser().feed(bytes);
}

function errorOf(bytes: Buffer): { phase: string; reason: string } {
  const s = run(bytes);
  assert.equal(s.kind, 'error', `expected an error, got ${s.kind}`);
  return s as { phase: string; reason: string };
}

const IDENT = Buffer.from(`${SAMPLE_IDENT}\r\n`);

test('a well-formed hello yields the ident, the exact packet bytes and no rest', () => {
  const bytes = hello();
  const s = run(bytes);
  assert.equal(s.kind, 'done');
  if (s.kind !== 'done') return;
  assert.equal(s.hello.ident.toString(), SAMPLE_IDENT);
  assert.deepEqual(s.hello.identBytes, IDENT);
  assert.deepEqual(s.hello.packet, bytes.subarray(IDENT.length));
  assert.equal(s.hello.kexinit.lists.kex.toString(), SAMPLE_LISTS.kex);
  assert.equal(s.rest.length, 0);
});

test('bytes after KEXINIT (dropbear guessed KEX packet) come back as rest, untouched', () => {
  const extra = Buffer.from([0, 0, 0, 12, 4, 30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const s = run(Buffer.concat([hello(), extra]));
  assert.equal(s.kind, 'done');
  if (s.kind === 'done') assert.deepEqual(s.rest, extra);
});

test('preamble lines before SSH- are kept byte for byte for replay', () => {
  const pre = Buffer.from('hello there\r\nsecond line\n');
  const s = run(Buffer.concat([pre, hello()]));
  assert.equal(s.kind, 'done');
  if (s.kind === 'done') assert.deepEqual(s.hello.identBytes, Buffer.concat([pre, IDENT]));
});

test('a line of 254 bytes plus newline is accepted; 255 bytes without newline is an error', () => {
  const okLine = Buffer.concat([Buffer.alloc(MAX_LINE_BYTES - 1, 0x61), Buffer.from('\n')]);
  assert.equal(run(Buffer.concat([okLine, hello()])).kind, 'done');
  const e = errorOf(Buffer.alloc(MAX_LINE_BYTES, 0x61));
  assert.equal(e.phase, 'identification');
  assert.equal(e.reason, 'SSH identification line too long: >= 255 bytes');
  assert.equal(new ClientHelloParser().feed(Buffer.alloc(MAX_LINE_BYTES - 1, 0x61)).kind, 'need');
});

test('identification bytes: exactly 8192 accepted, 8193 rejected', () => {
  const identLen = IDENT.length;
  const lines: Buffer[] = [];
  let budget = MAX_IDENT_BYTES - identLen;
  while (budget > 0) {
    const n = Math.min(200, budget);
    lines.push(Buffer.concat([Buffer.alloc(n - 1, 0x78), Buffer.from('\n')]));
    budget -= n;
  }
  const atLimit = Buffer.concat([...lines, hello()]);
  const s = run(atLimit);
  assert.equal(s.kind, 'done');
  if (s.kind === 'done') assert.equal(s.hello.identBytes.length, MAX_IDENT_BYTES);
  const over = Buffer.concat([Buffer.from('x\n'), atLimit]);
  assert.equal(errorOf(over).reason, 'SSH identification exceeded 8192 bytes');
});

test('strict ident checks: protocol version and NUL, with precise reasons', () => {
  assert.match(errorOf(Buffer.from('SSH-1.5-old\r\n')).reason, /unsupported protocol version .*SSH-1\.5-old/);
  assert.equal(run(Buffer.concat([Buffer.from('SSH-1.99-compat\r\n'), packet(kexinitPayload())])).kind, 'done');
  assert.equal(errorOf(Buffer.from('SSH-2.0-a\0b\r\n')).reason, 'NUL byte at offset 9 in identification line');
  const lenient = new ClientHelloParser({ strict: false }).feed(Buffer.concat([Buffer.from('SSH-1.5-x\n'), packet(kexinitPayload())]));
  assert.equal(lenient.kind, 'done');
});

function header(len: number, padding: number): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(len);
  h[4] = padding;
  return h;
}

test('packet length is checked on the header alone: 1 and 256 KiB + 1 rejected, 2 and 256 KiB wait for the body', () => {
  assert.equal(errorOf(Buffer.concat([IDENT, header(1, 4)])).reason, 'invalid SSH packet length: 1');
  const big = errorOf(Buffer.concat([IDENT, header(MAX_PACKET_BYTES + 1, 4)]));
  assert.equal(big.phase, 'kexinit');
  assert.equal(big.reason, `invalid SSH packet length: ${MAX_PACKET_BYTES + 1}`);
  assert.equal(run(Buffer.concat([IDENT, header(MAX_PACKET_BYTES, 4)])).kind, 'need');
  assert.equal(errorOf(Buffer.concat([IDENT, header(2, 4)])).reason, 'invalid SSH padding length: 4');
});

test('padding: 3 rejected, 4 accepted, >= packet length rejected, payload must be non-empty', () => {
  const payload = kexinitPayload();
  assert.equal(errorOf(Buffer.concat([IDENT, packet(payload, 3)])).reason, 'invalid SSH padding length: 3');
  assert.equal(run(Buffer.concat([IDENT, packet(payload, 4)])).kind, 'done');
  assert.equal(errorOf(Buffer.concat([IDENT, header(10, 10)])).reason, 'invalid SSH padding length: 10');
  assert.equal(errorOf(Buffer.concat([IDENT, header(10, 9), Buffer.alloc(9)])).reason, 'empty SSH packet payload');
});

test('a full 256 KiB packet is read and parsed', () => {
  const payload = kexinitPayload();
  // padding_length is one byte, so a max-size packet carries its size in trailing payload bytes.
  const body = Buffer.concat([payload, Buffer.alloc(MAX_PACKET_BYTES - 1 - payload.length - 200)]);
  const s = run(Buffer.concat([IDENT, header(MAX_PACKET_BYTES, 200), body, Buffer.alloc(200)]));
  assert.equal(s.kind, 'done');
  if (s.kind === 'done') assert.equal(s.hello.packet.length, MAX_PACKET_BYTES + 4);
});

test('message must be KEXINIT (20) with at least the 16-byte cookie', () => {
  const notKex = Buffer.from(kexinitPayload());
  notKex[0] = 21;
  assert.equal(errorOf(Buffer.concat([IDENT, packet(notKex)])).reason, 'first SSH packet is not SSH_MSG_KEXINIT');
  assert.deepEqual(parseKexinitPayload(Buffer.alloc(16, 20)), { ok: false, reason: 'first SSH packet is not SSH_MSG_KEXINIT' });
  assert.deepEqual(parseKexinitPayload(Buffer.concat([Buffer.from([20]), Buffer.alloc(16)])), { ok: false, reason: 'truncated name-list length' });
});

test('name-lists: truncated length, truncated body, truncated trailer (4 vs 5 bytes)', () => {
  const full = kexinitPayload();
  const cookieEnd = 17;
  const withLen = Buffer.concat([full.subarray(0, cookieEnd), Buffer.from([0, 0, 0, 50]), Buffer.from('short')]);
  assert.deepEqual(parseKexinitPayload(withLen), { ok: false, reason: 'truncated name-list' });
  assert.deepEqual(parseKexinitPayload(full.subarray(0, cookieEnd + 2)), { ok: false, reason: 'truncated name-list length' });
  assert.deepEqual(parseKexinitPayload(full.subarray(0, full.length - 1)), { ok: false, reason: 'truncated KEXINIT trailer' });
  const ok = parseKexinitPayload(full);
  assert.equal(ok.ok, true);
  // Trailing bytes after `reserved` are tolerated, as in the original and OpenSSH.
  assert.equal(parseKexinitPayload(Buffer.concat([full, Buffer.from([1, 2])])).ok, true);
});

test('strict name-lists reject bytes outside printable ASCII; lenient mode hashes them raw', () => {
  const lists = { ...SAMPLE_LISTS, encC2S: 'aes128-ctr\u00e9' };
  const strict = parseKexinitPayload(kexinitPayload(lists));
  assert.deepEqual(strict, { ok: false, reason: 'name-list 3 has byte 0xe9 at offset 10 (not printable US-ASCII)' });
  const lenient = parseKexinitPayload(kexinitPayload(lists), { strict: false });
  assert.equal(lenient.ok, true);
  if (lenient.ok) assert.deepEqual(lenient.kexinit.lists.encC2S, Buffer.from('aes128-ctr\u00e9', 'latin1'));
});

test('first_kex_packet_follows and reserved are decoded', () => {
  const r = parseKexinitPayload(kexinitPayload(SAMPLE_LISTS, true));
  assert.ok(r.ok && r.kexinit.firstKexPacketFollows && r.kexinit.reserved === 0);
});

test('EOF reasons match the original: EOF before any packet byte, unexpected EOF inside it', () => {
  const p = new ClientHelloParser();
  assert.equal(p.eofReason(), 'EOF');
  p.feed(IDENT);
  assert.equal(p.phase, 'kexinit');
  assert.equal(p.eofReason(), 'EOF');
  p.feed(Buffer.from([0, 0]));
  assert.equal(p.eofReason(), 'unexpected EOF');
});

test('the parser refuses to be fed after it finished', () => {
  const p = new ClientHelloParser();
  p.feed(hello());
  assert.throws(() => p.feed(Buffer.from('x')), /after it finished/);
});

test('IdentParser (backend side) returns the bytes after the banner', () => {
  const s = new IdentParser({ strict: false }).feed(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n\0\0\0\x10rest'));
  assert.equal(s.kind, 'done');
  if (s.kind === 'done') {
    assert.equal(s.ident.toString(), 'SSH-2.0-OpenSSH_9.2');
    assert.deepEqual(s.rest, Buffer.from('\0\0\0\x10rest'));
  }
});
