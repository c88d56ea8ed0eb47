import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainProblem, encodeAddress, encodeReply, encodeUdpDatagram, ipv6ToBytes, parseGreeting, parseReply, parseRequest, parseUdpDatagram, parseUserPass } from '../../../src/socks/codec.js';

const b = (...xs: number[]): Buffer => Buffer.from(xs);

test('greeting: complete, partial and malformed', () => {
  assert.deepEqual(parseGreeting(b(5, 2, 0, 2)), { kind: 'ok', value: { methods: [0, 2] }, consumed: 4 });
  assert.deepEqual(parseGreeting(b()), { kind: 'need' });
  assert.deepEqual(parseGreeting(b(5)), { kind: 'need' });
  assert.deepEqual(parseGreeting(b(5, 3, 0, 2)), { kind: 'need' });
  const v4 = parseGreeting(b(4, 1, 0));
  assert.equal(v4.kind, 'error');
  assert.match(v4.kind === 'error' ? v4.error.message : '', /version 0x04 is not SOCKS5/);
  const zero = parseGreeting(b(5, 0));
  assert.match(zero.kind === 'error' ? zero.error.message : '', /zero authentication methods/);
  // HTTP sent to a SOCKS port is reported as such, not misparsed
  assert.equal(parseGreeting(Buffer.from('GET / HTTP/1.1\r\n')).kind, 'error');
});

test('user/pass: lengths, empties and NUL', () => {
  const ok = parseUserPass(Buffer.concat([b(1, 5), Buffer.from('alice'), b(6), Buffer.from('secret')]));
  assert.equal(ok.kind, 'ok');
  if (ok.kind === 'ok') {
    assert.equal(ok.value.username, 'alice');
    assert.equal(ok.value.password.toString(), 'secret');
    assert.equal(ok.consumed, 14);
  }
  assert.deepEqual(parseUserPass(b(1, 5, 0x61)), { kind: 'need' });
  assert.deepEqual(parseUserPass(Buffer.concat([b(1, 5), Buffer.from('alice')])), { kind: 'need' });
  for (const [bytes, msg] of [
    [b(2, 1, 0x61, 1, 0x62), /sub-negotiation version 0x02/],
    [b(1, 0, 1, 0x62), /empty username/],
    [b(1, 1, 0x61, 0), /empty password/],
    [b(1, 2, 0x61, 0, 1, 0x62), /NUL byte in username/],
  ] as const) {
    const r = parseUserPass(bytes);
    assert.equal(r.kind, 'error');
    assert.match(r.kind === 'error' ? r.error.message : '', msg);
  }
});

test('request: CONNECT to IPv4, IPv6 and domain', () => {
  const v4 = parseRequest(b(5, 1, 0, 1, 10, 1, 2, 3, 0, 80));
  assert.deepEqual(v4, { kind: 'ok', value: { cmd: 1, host: '10.1.2.3', port: 80, atyp: 1 }, consumed: 10 });
  const v6 = parseRequest(Buffer.concat([b(5, 1, 0, 4), ipv6ToBytes('2001:db8::1'), b(1, 187)]));
  assert.equal(v6.kind === 'ok' && v6.value.host, '2001:db8::1');
  assert.equal(v6.kind === 'ok' && v6.value.port, 443);
  const name = Buffer.from('Example.COM.');
  const d = parseRequest(Buffer.concat([b(5, 1, 0, 3, name.length), name, b(0x1f, 0x90)]));
  assert.equal(d.kind === 'ok' && d.value.host, 'Example.COM');
  assert.equal(d.kind === 'ok' && d.value.port, 8080);
});

test('request: every malformed field gets the matching reply code', () => {
  const cases: [Buffer, RegExp, number][] = [
    [b(4, 1, 0, 1, 1, 1, 1, 1, 0, 80), /version 0x04/, 0x01],
    [b(5, 1, 1, 1, 1, 1, 1, 1, 0, 80), /reserved byte/, 0x01],
    [b(5, 9, 0, 1, 1, 1, 1, 1, 0, 80), /unknown command 0x09/, 0x07],
    [b(5, 1, 0, 2, 1, 1, 1, 1, 0, 80), /unsupported address type 0x02/, 0x08],
    [b(5, 1, 0, 3, 0, 0, 80), /empty domain name/, 0x01],
    [Buffer.concat([b(5, 1, 0, 3, 7), Buffer.from('a..b.cd'), b(0, 80)]), /empty label/, 0x04],
    [Buffer.concat([b(5, 1, 0, 3, 5), Buffer.from('a b.c'), b(0, 80)]), /bad label/, 0x04],
    [Buffer.concat([b(5, 1, 0, 3, 9), Buffer.from('1.2.3.999'), b(0, 80)]), /numeric name/, 0x04],
  ];
  for (const [bytes, msg, reply] of cases) {
    const r = parseRequest(bytes);
    assert.equal(r.kind, 'error', msg.source);
    if (r.kind === 'error') {
      assert.match(r.error.message, msg);
      assert.equal(r.error.reply, reply, msg.source);
    }
  }
});

test('request: partial input is "need" at every split point', () => {
  const full = Buffer.concat([b(5, 1, 0, 3, 11), Buffer.from('example.com'), b(0, 80)]);
  for (let i = 0; i < full.length; i++) assert.deepEqual(parseRequest(full.subarray(0, i)), { kind: 'need' }, `split at ${i}`);
  assert.equal(parseRequest(full).kind, 'ok');
});

test('domain names: limits at exactly the bound and one past', () => {
  assert.equal(domainProblem(`${'a'.repeat(63)}.com`), undefined);
  assert.match(domainProblem(`${'a'.repeat(64)}.com`) ?? '', /longer than 63/);
  const at253 = [...Array(4)].map(() => 'a'.repeat(62)).join('.') + '.' + 'a'.repeat(253 - 4 * 63);
  assert.equal(at253.length, 253);
  assert.equal(domainProblem(at253), undefined);
  assert.match(domainProblem(`${at253}a`) ?? '', /longer than 253/);
  assert.match(domainProblem('-bad.com') ?? '', /bad label/);
  assert.equal(domainProblem('under_score.example'), undefined);
});

test('replies and addresses encode as RFC 1928 says', () => {
  assert.deepEqual(encodeReply(0x02), b(5, 2, 0, 1, 0, 0, 0, 0, 0, 0));
  assert.deepEqual(encodeReply(0, '::ffff:127.0.0.1', 1080), b(5, 0, 0, 1, 127, 0, 0, 1, 4, 56));
  assert.deepEqual(encodeAddress('::1', 1), Buffer.concat([b(4), ipv6ToBytes('::1'), b(0, 1)]));
  assert.deepEqual(encodeAddress('ab.cd', 2), Buffer.concat([b(3, 5), Buffer.from('ab.cd'), b(0, 2)]));
  const r = parseReply(encodeReply(5, '10.0.0.1', 99));
  assert.deepEqual(r.kind === 'ok' && [r.value.rep, r.value.host, r.value.port], [5, '10.0.0.1', 99]);
});

test('ipv6ToBytes handles compression and embedded IPv4', () => {
  assert.equal(ipv6ToBytes('::1').toString('hex'), '00000000000000000000000000000001');
  assert.equal(ipv6ToBytes('2001:db8::').toString('hex'), '20010db8000000000000000000000000');
  assert.equal(ipv6ToBytes('::ffff:1.2.3.4').toString('hex'), '00000000000000000000ffff01020304');
  assert.equal(ipv6ToBytes('fe80:0:0:0:0:0:0:1').toString('hex'), 'fe800000000000000000000000000001');
});

test('UDP datagrams: round trip, fragments flagged, truncation refused', () => {
  const dg = encodeUdpDatagram('192.0.2.1', 53, Buffer.from('payload'));
  const p = parseUdpDatagram(dg);
  assert.equal(p.kind, 'ok');
  if (p.kind === 'ok') {
    assert.equal(p.value.host, '192.0.2.1');
    assert.equal(p.value.port, 53);
    assert.equal(p.value.data.toString(), 'payload');
    assert.equal(p.value.frag, 0);
  }
  assert.match((parseUdpDatagram(b(0, 0, 0, 1, 1, 2)) as { error: Error }).error.message, /truncated/);
  assert.match((parseUdpDatagram(b(1, 0, 0, 1, 1, 2, 3, 4, 0, 1)) as { error: Error }).error.message, /reserved/);
  const frag = parseUdpDatagram(b(0, 0, 3, 1, 1, 2, 3, 4, 0, 1));
  assert.equal(frag.kind === 'ok' && frag.value.frag, 3);
});
