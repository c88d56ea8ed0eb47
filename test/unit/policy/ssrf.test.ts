import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isForbiddenAddress } from '../../../src/policy/ssrf.js';

/** [address, the range label it must be refused under (substring), or null when it must be allowed]. */
type Row = readonly [string, string | null];

function check(rows: readonly Row[]): void {
  for (const [ip, range] of rows) {
    const v = isForbiddenAddress(ip);
    if (range === null) {
      assert.deepEqual(v, { forbidden: false }, `${ip} should be allowed`);
    } else {
      assert.equal(v.forbidden, true, `${ip} should be refused (${range})`);
      assert.ok(v.forbidden && v.range.includes(range), `${ip}: got "${v.forbidden ? v.range : ''}", want "${range}"`);
    }
  }
}

test('IPv4 special ranges: first and last address refused, neighbours allowed', () => {
  check([
    ['0.0.0.0', '0.0.0.0/8'], ['0.255.255.255', '0.0.0.0/8'], ['1.0.0.0', null],
    ['9.255.255.255', null], ['10.0.0.0', '10.0.0.0/8 (private'], ['10.255.255.255', '10.0.0.0/8'], ['11.0.0.0', null],
    ['100.63.255.255', null], ['100.64.0.0', '100.64.0.0/10 (carrier-grade NAT'], ['100.127.255.255', '100.64.0.0/10'], ['100.128.0.0', null],
    ['126.255.255.255', null], ['127.0.0.0', '127.0.0.0/8 (loopback)'], ['127.0.0.1', 'loopback'], ['127.255.255.255', 'loopback'], ['128.0.0.0', null],
    ['169.253.255.255', null], ['169.254.0.0', '169.254.0.0/16 (link-local)'], ['169.254.255.255', 'link-local'], ['169.255.0.0', null],
    ['172.15.255.255', null], ['172.16.0.0', '172.16.0.0/12'], ['172.31.255.255', '172.16.0.0/12'], ['172.32.0.0', null],
    ['191.255.255.255', null], ['192.0.0.0', '192.0.0.0/24'], ['192.0.0.255', '192.0.0.0/24'], ['192.0.1.0', null],
    ['192.0.1.255', null], ['192.0.2.0', 'TEST-NET-1'], ['192.0.2.255', 'TEST-NET-1'], ['192.0.3.0', null],
    ['192.88.98.255', null], ['192.88.99.0', '192.88.99.0/24'], ['192.88.99.255', '192.88.99.0/24'], ['192.88.100.0', null],
    ['192.167.255.255', null], ['192.168.0.0', '192.168.0.0/16'], ['192.168.255.255', '192.168.0.0/16'], ['192.169.0.0', null],
    ['198.17.255.255', null], ['198.18.0.0', '198.18.0.0/15 (benchmarking)'], ['198.19.255.255', 'benchmarking'], ['198.20.0.0', null],
    ['198.51.99.255', null], ['198.51.100.0', 'TEST-NET-2'], ['198.51.100.255', 'TEST-NET-2'], ['198.51.101.0', null],
    ['203.0.112.255', null], ['203.0.113.0', 'TEST-NET-3'], ['203.0.113.255', 'TEST-NET-3'], ['203.0.114.0', null],
    ['223.255.255.255', null], ['224.0.0.0', '224.0.0.0/4 (multicast)'], ['239.255.255.255', 'multicast'],
    ['240.0.0.0', '240.0.0.0/4 (reserved)'], ['255.255.255.254', 'reserved'], ['255.255.255.255', 'limited broadcast'],
    ['8.8.8.8', null], ['1.1.1.1', null], ['93.184.216.34', null],
  ]);
});

test('cloud metadata addresses are named as such', () => {
  check([
    ['169.254.169.254', 'cloud metadata'], ['169.254.170.2', 'AWS ECS'], ['100.100.100.200', 'Alibaba'],
    ['168.63.129.16', 'Azure WireServer'], ['168.63.129.15', null], ['168.63.129.17', null],
    ['fd00:ec2::254', 'AWS IMDS over IPv6'], ['FD00:EC2:0:0:0:0:0:254', 'AWS IMDS'], ['::ffff:169.254.169.254', 'cloud metadata'],
  ]);
});

test('IPv6 special ranges: first and last address refused, neighbours allowed', () => {
  check([
    ['::', '::/128 (unspecified)'], ['::1', '::1/128 (loopback)'],
    ['64:ff9b:1::', '64:ff9b:1::/48'], ['64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'local-use NAT64'], ['64:ff9b:2::', null],
    ['ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null], ['100::', '100::/64 (discard-only)'], ['100::ffff:ffff:ffff:ffff', 'discard-only'], ['100:0:0:1::', null],
    ['2001:1:ffff:ffff:ffff:ffff:ffff:ffff', null], ['2001:2::', '2001:2::/48 (benchmarking)'], ['2001:2:0:ffff:ffff:ffff:ffff:ffff', 'benchmarking'], ['2001:2:1::', null],
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', null], ['2001:db8::', '2001:db8::/32 (documentation)'], ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation'], ['2001:db9::', null],
    ['3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null], ['3fff::', '3fff::/20'], ['3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', '3fff::/20'], ['3fff:1000::', null],
    ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null], ['fc00::', 'fc00::/7 (unique local)'], ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique local'],
    ['fe00::', null], ['fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null],
    ['fe80::', 'fe80::/10 (link-local)'], ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'link-local'], ['fe80::1%eth0', 'link-local'],
    ['fec0::', 'fec0::/10 (deprecated site-local)'], ['feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'site-local'],
    ['ff00::', 'ff00::/8 (multicast)'], ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'multicast'],
    ['2001:4860:4860::8888', null], ['2606:4700:4700::1111', null],
  ]);
});

test('IPv6 forms carrying an IPv4 address are judged by that address', () => {
  check([
    // IPv4-mapped, in every spelling.
    ['::ffff:127.0.0.1', '::ffff:0:0/96 (IPv4-mapped) embedding 127.0.0.0/8'], ['::ffff:7f00:1', 'IPv4-mapped'],
    ['0:0:0:0:0:ffff:10.0.0.1', '10.0.0.0/8'], ['::ffff:8.8.8.8', null], ['::ffff:0.0.0.0', '0.0.0.0/8'],
    // IPv4-translated and IPv4-compatible.
    ['::ffff:0:192.168.1.1', 'IPv4-translated) embedding 192.168.0.0/16'], ['::ffff:0:8.8.8.8', null],
    ['::10.0.0.1', '::/96 (IPv4-compatible) embedding 10.0.0.0/8'], ['::127.0.0.1', 'loopback'], ['::8.8.8.8', null], ['::2', '0.0.0.0/8'],
    // NAT64.
    ['64:ff9b::10.1.1.1', '64:ff9b::/96 (NAT64) embedding 10.0.0.0/8'], ['64:ff9b::a9fe:a9fe', 'cloud metadata'], ['64:ff9b::8.8.8.8', null],
    // 6to4: the IPv4 address is bits 16..47.
    ['2002:7f00:1::', '2002::/16 (6to4) embedding 127.0.0.0/8'], ['2002:a9fe:a9fe::1', 'cloud metadata'], ['2002:c0a8:0101:1::1', '192.168.0.0/16'],
    ['2002:808:808::1', null], ['2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null], ['2003::', null],
    // Teredo: the client address is the last 32 bits inverted (RFC 4380's example is 192.0.2.45).
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001::/32 (Teredo) embedding 192.0.2.0/24'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'Teredo) embedding 10.0.0.0/8'],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', null],
  ]);
});

test('anything that is not an IP address is refused', () => {
  for (const s of ['', 'localhost', 'example.com', '127.1', '0x7f000001', '2130706433', '010.0.0.1', '[::1]', ' 127.0.0.1']) {
    const v = isForbiddenAddress(s);
    assert.equal(v.forbidden, true, s);
    assert.match(v.forbidden ? v.range : '', /is not an IP address/);
  }
});
