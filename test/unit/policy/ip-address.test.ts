import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalIp, compileIpList, formatIp, formatRange, parseCanonicalIp, parseCidr, parseIp, rangeContains, unmapIpv4, unmapIpv4Text, type IpAddress, type IpRange } from '../../../src/policy/ip-address.js';

function cidr(text: string): IpRange {
  const r = parseCidr(text);
  if (typeof r === 'string') assert.fail(`${text}: ${r}`);
  return r;
}
function ip(text: string): IpAddress {
  return parseIp(text) ?? assert.fail(`${text} did not parse`);
}

test('parses IPv4 and IPv6 literals to numbers', () => {
  assert.deepEqual(parseIp('10.0.0.1'), { family: 4, value: 0x0a000001n });
  assert.deepEqual(parseIp('::1'), { family: 6, value: 1n });
  assert.deepEqual(parseIp('2001:db8::8:800:200c:417a'), { family: 6, value: 0x20010db80000000000080800200c417an });
  assert.deepEqual(parseIp('::ffff:1.2.3.4'), { family: 6, value: 0xffff01020304n });
  assert.deepEqual(parseIp('fe80::1%eth0'), { family: 6, value: 0xfe800000000000000000000000000001n });
  for (const bad of ['', '1.2.3', '01.2.3.4', '1.2.3.4%eth0', '[::1]', 'fe80::1%', '1::2::3', 'example.com']) assert.equal(parseIp(bad), undefined, bad);
});

test('IPv4-mapped addresses become the IPv4 address they reach', () => {
  assert.deepEqual(parseCanonicalIp('::ffff:1.2.3.4'), { family: 4, value: 0x01020304n });
  assert.deepEqual(parseCanonicalIp('::ffff:0102:0304'), { family: 4, value: 0x01020304n });
  assert.deepEqual(parseCanonicalIp('::1.2.3.4'), { family: 6, value: 0x01020304n });
});

test('CIDR parsing masks host bits, bounds the prefix, and folds mapped ranges into IPv4', () => {
  assert.equal(formatRange(cidr('10.1.2.3/8')), '10.0.0.0/8');
  assert.equal(formatRange(cidr('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(formatRange(cidr('2001:db8::1/32')), '2001:db8::/32');
  assert.equal(formatRange(cidr('::ffff:10.0.0.0/104')), '10.0.0.0/8');
  assert.equal(formatRange(cidr('::ffff:0:0/96')), '0.0.0.0/0');
  assert.equal(parseCidr('10.0.0.0/33'), 'prefix length 33 is larger than 32 for IPv4');
  assert.equal(parseCidr('10.0.0.0/'), 'prefix length "" must be a number 0..32');
  assert.equal(parseCidr('10.0.0.0/0008'), 'prefix length "0008" must be a number 0..32');
  assert.equal(parseCidr('fe80::1%eth0/64'), '"fe80::1%eth0" is not an IP address');
  const r = cidr('192.168.0.0/16');
  assert.equal(rangeContains(r, ip('192.167.255.255')), false);
  assert.equal(rangeContains(r, ip('192.168.0.0')), true);
  assert.equal(rangeContains(r, ip('192.168.255.255')), true);
  assert.equal(rangeContains(r, ip('192.169.0.0')), false);
  assert.equal(rangeContains(r, ip('::ffff:192.168.0.1')), false, 'callers canonicalise first');
});

test('formatIp writes the canonical form (RFC 5952), the same as the WHATWG URL parser', () => {
  fc.assert(fc.property(fc.oneof(fc.ipV6(), fc.ipV4().map((v4) => `::ffff:${v4}`)), (text) => {
    const parsed = ip(text);
    assert.equal(`[${formatIp(parsed)}]`, new URL(`http://[${text}]/`).hostname);
    assert.deepEqual(parseIp(formatIp(parsed)), parsed);
  }), { numRuns: 2000 });
  fc.assert(fc.property(fc.ipV4(), (text) => {
    assert.equal(formatIp(ip(text)), text);
  }), { numRuns: 500 });
});

test('unmapIpv4Text: the one text rule for IPv4-mapped addresses (sockets, gate keys, SOCKS5 replies, source patterns)', () => {
  assert.equal(unmapIpv4Text('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(unmapIpv4Text('::FFFF:203.0.113.7'), '203.0.113.7');
  assert.equal(unmapIpv4Text('203.0.113.7'), '203.0.113.7');
  assert.equal(unmapIpv4Text('2001:db8::1'), '2001:db8::1');
  // Not a dotted quad after the prefix: kept as given (IPv6 hex form, out-of-range octets, trailing text).
  assert.equal(unmapIpv4Text('::ffff:cb00:7107'), '::ffff:cb00:7107');
  assert.equal(unmapIpv4Text('::ffff:999.1.1.1'), '::ffff:999.1.1.1');
  assert.equal(unmapIpv4Text('::ffff:1.2.3.4x'), '::ffff:1.2.3.4x');
  assert.equal(unmapIpv4Text(''), '');
  // Agrees with the numeric rule wherever both apply.
  for (const text of ['::ffff:10.0.0.1', '::ffff:0.0.0.0', '::ffff:255.255.255.255']) {
    const ip = parseIp(text);
    assert.ok(ip);
    assert.equal(formatIp(unmapIpv4(ip)), unmapIpv4Text(text));
  }
});

test('compileIpList: match names the range that holds an address, IPv4-mapped text is its IPv4 address', () => {
  const list = compileIpList(['10.0.0.0/8', '2001:db8::/32', '203.0.113.7', '::ffff:192.0.2.0/120']);
  assert.equal(list.match('10.9.8.7') && formatRange(list.match('10.9.8.7') as IpRange), '10.0.0.0/8');
  assert.equal(formatRange(list.match('::ffff:10.1.1.1') as IpRange), '10.0.0.0/8');
  assert.equal(formatRange(list.match('2001:DB8::5') as IpRange), '2001:db8::/32');
  assert.equal(formatRange(list.match('192.0.2.200') as IpRange), '192.0.2.0/24');
  assert.equal(list.contains('203.0.113.7'), true);
  assert.equal(list.contains('203.0.113.8'), false);
  assert.equal(list.contains('not an address'), false);
  assert.equal(compileIpList([]).contains('10.0.0.1'), false);
});

test('compileIpList: a malformed entry throws with the list name and the reason', () => {
  assert.throws(() => compileIpList(['10.0.0.0/33'], 'security.ban_whitelist'), /^Error: security\.ban_whitelist: prefix length 33 is larger than 32 for IPv4$/);
  assert.throws(() => compileIpList(['fe80::1%eth0']), /"fe80::1%eth0" is not an IP address/);
});

test('canonicalIp: the map key for an address, whatever its spelling', () => {
  assert.equal(canonicalIp('::FFFF:10.0.0.1'), '10.0.0.1');
  assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
  assert.equal(canonicalIp('bogus'), 'bogus');
});
