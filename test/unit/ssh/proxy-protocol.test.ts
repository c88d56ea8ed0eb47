import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTrustedProxies, MAX_V1_LENGTH, MAX_V2_PAYLOAD, parseProxyHeader, V2_SIGNATURE } from '../../../src/ssh/proxy-protocol.js';

const SSH = Buffer.from('SSH-2.0-OpenSSH_9.2\r\n');

function v2(cmd: number, fam: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = 0x20 | cmd;
  h[1] = fam;
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([V2_SIGNATURE, h, body]);
}

function v4Body(src: string, sport: number, dst = '10.0.0.1', dport = 2222): Buffer {
  const b = Buffer.alloc(12);
  src.split('.').forEach((o, i) => { b[i] = Number(o); });
  dst.split('.').forEach((o, i) => { b[4 + i] = Number(o); });
  b.writeUInt16BE(sport, 8);
  b.writeUInt16BE(dport, 10);
  return b;
}

test('v1 TCP4 and TCP6: source address, and the bytes after the header are left alone', () => {
  const line = Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 51234 2222\r\n');
  const r = parseProxyHeader(Buffer.concat([line, SSH]));
  assert.deepEqual(r, { kind: 'done', consumed: line.length, source: { ip: '203.0.113.7', port: 51234 } });
  const six = parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 40000 22\r\n'));
  assert.deepEqual(six.kind === 'done' && six.source, { ip: '2001:db8::7', port: 40000 });
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { kind: 'done', consumed: 15, source: undefined });
});

test('v1 split at every byte: "need more" until the CRLF', () => {
  const line = Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 51234 2222\r\n');
  for (let i = 0; i < line.length; i++) assert.equal(parseProxyHeader(line.subarray(0, i)).kind, 'need-more', `at ${i}`);
  assert.equal(parseProxyHeader(line).kind, 'done');
});

test('v1 malformed: bad family, address mismatch, bad port, wrong field count', () => {
  for (const bad of [
    'PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n', 'PROXY TCP4 2001:db8::1 1.2.3.4 1 2\r\n', 'PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n',
    'PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n', 'PROXY TCP4 1.2.3.4\r\n', 'PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n',
  ]) assert.equal(parseProxyHeader(Buffer.from(bad)).kind, 'error', bad);
});

test('v1 limit: 107 bytes including CRLF is the maximum', () => {
  const fill = (n: number): Buffer => Buffer.from(`PROXY UNKNOWN ${'x'.repeat(n - 16)}\r\n`);
  assert.equal(fill(MAX_V1_LENGTH).length, MAX_V1_LENGTH);
  assert.equal(parseProxyHeader(fill(MAX_V1_LENGTH)).kind, 'done');
  const over = parseProxyHeader(fill(MAX_V1_LENGTH + 1));
  assert.ok(over.kind === 'error' && /longer than 107/.test(over.message));
});

test('not a PROXY header: plain SSH or junk is an error at once', () => {
  assert.equal(parseProxyHeader(SSH).kind, 'error');
  assert.equal(parseProxyHeader(Buffer.from('PROXZ')).kind, 'error');
  assert.equal(parseProxyHeader(Buffer.from([0x0d, 0x0a, 0x0d, 0x0b])).kind, 'error');
  assert.equal(parseProxyHeader(Buffer.alloc(0)).kind, 'need-more');
});

test('v2 PROXY TCP4 / TCP6 (v4-mapped becomes IPv4), LOCAL, TLVs skipped', () => {
  const h4 = v2(1, 0x11, v4Body('198.51.100.9', 40001));
  assert.deepEqual(parseProxyHeader(Buffer.concat([h4, SSH])), { kind: 'done', consumed: h4.length, source: { ip: '198.51.100.9', port: 40001 } });
  const b6 = Buffer.alloc(36);
  Buffer.from('20010db8000000000000000000000007', 'hex').copy(b6, 0);
  b6.writeUInt16BE(5555, 32);
  const r6 = parseProxyHeader(v2(1, 0x21, b6));
  assert.deepEqual(r6.kind === 'done' && r6.source, { ip: '2001:db8::7', port: 5555 });
  const mapped = Buffer.alloc(36);
  Buffer.from('00000000000000000000ffffc0000201', 'hex').copy(mapped, 0);
  const rm = parseProxyHeader(v2(1, 0x21, mapped));
  assert.equal(rm.kind === 'done' && rm.source?.ip, '192.0.2.1');
  assert.deepEqual(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0))), { kind: 'done', consumed: 16, source: undefined });
  const tlv = Buffer.concat([v4Body('198.51.100.9', 1), Buffer.from([0x01, 0x00, 0x02, 0x68, 0x32])]);
  assert.equal(parseProxyHeader(v2(1, 0x11, tlv)).kind, 'done');
});

test('v2 split at every byte, truncated address block, bad version/command/family', () => {
  const h = v2(1, 0x11, v4Body('198.51.100.9', 40001));
  for (let i = 0; i < h.length; i++) assert.equal(parseProxyHeader(h.subarray(0, i)).kind, 'need-more', `at ${i}`);
  assert.equal(parseProxyHeader(v2(1, 0x11, Buffer.alloc(8))).kind, 'error');
  assert.equal(parseProxyHeader(v2(1, 0x21, Buffer.alloc(20))).kind, 'error');
  const badVer = Buffer.from(h);
  badVer[12] = 0x11;
  assert.equal(parseProxyHeader(badVer).kind, 'error');
  assert.equal(parseProxyHeader(v2(2, 0x11, v4Body('1.2.3.4', 1))).kind, 'error');
  assert.equal(parseProxyHeader(v2(1, 0x12, v4Body('1.2.3.4', 1))).kind, 'error', 'UDP refused');
  assert.equal(parseProxyHeader(v2(1, 0x31, Buffer.alloc(216))).kind, 'error', 'AF_UNIX refused');
});

test('v2 limit: payload of exactly MAX_V2_PAYLOAD accepted, one more refused', () => {
  const at = Buffer.concat([v4Body('1.2.3.4', 1), Buffer.alloc(MAX_V2_PAYLOAD - 12)]);
  assert.equal(parseProxyHeader(v2(1, 0x11, at)).kind, 'done');
  const header = Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, (MAX_V2_PAYLOAD + 1) >> 8, (MAX_V2_PAYLOAD + 1) & 0xff])]);
  const r = parseProxyHeader(header);
  assert.ok(r.kind === 'error' && /exceeds/.test(r.message), 'refused before the payload arrives');
});

test('trusted sources: only the configured CIDRs may send a header', () => {
  const trusted = compileTrustedProxies(['127.0.0.0/8', '::1/128', '10.1.0.0/16']);
  assert.ok(trusted('127.0.0.1'));
  assert.ok(trusted('::ffff:127.0.0.1'));
  assert.ok(trusted('::1'));
  assert.ok(trusted('10.1.200.3'));
  assert.ok(!trusted('10.2.0.1'));
  assert.ok(!trusted('203.0.113.7'));
  assert.ok(!trusted(''));
  assert.throws(() => compileTrustedProxies(['10.0.0.0/99']), /proxy_protocol_trusted_cidrs/);
});

test('property: arbitrary bytes never throw, and "done" never consumes more than it was given', async () => {
  const fc = (await import('fast-check')).default;
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, asV2) => {
    const input = asV2 ? Buffer.concat([V2_SIGNATURE, Buffer.from(bytes)]) : Buffer.concat([Buffer.from('PROXY '), Buffer.from(bytes)]);
    const r = parseProxyHeader(input);
    if (r.kind === 'done') assert.ok(r.consumed <= input.length);
  }), { numRuns: 2000 });
});
