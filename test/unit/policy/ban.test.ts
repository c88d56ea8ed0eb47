import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { BanList, MAX_MANUAL_BAN_SECS, type BanPersistence } from '../../../src/policy/ban.js';
import { canonicalIp } from '../../../src/policy/ip-address.js';
import type { Config } from '../../../src/config/schema.js';
import { makeConfig, recordingBus } from '../store/state-fixtures.js';

function setup(security: Record<string, unknown> = {}, persist?: BanPersistence) {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const { bus, named } = recordingBus(clock);
  let config: Config = makeConfig({ security: { ban_threshold: 3, ban_window: 60, ban_duration: 300, ...security } });
  const bans = new BanList({ config: () => config, clock, events: bus, ...(persist ? { persist } : {}) });
  return { clock, bans, named, setConfig: (c: Config) => { config = c; } };
}

test('threshold failures within the window ban the source for ban_duration, then it expires with ban.expired', () => {
  const { clock, bans, named } = setup();
  assert.equal(bans.recordFailure('203.0.113.9'), false);
  clock.advance(10_000);
  assert.equal(bans.recordFailure('203.0.113.9'), false);
  assert.equal(bans.check('203.0.113.9').banned, false);
  clock.advance(10_000);
  assert.equal(bans.recordFailure('203.0.113.9'), true, 'third failure within 60 s bans');
  const c = bans.check('203.0.113.9');
  assert.ok(c.banned && c.remainingSecs === 300);
  assert.equal(named('ban.created').length, 1);
  assert.deepEqual(named('ban.created')[0]?.data, { ip: '203.0.113.9', duration_secs: 300, reason: '3 authentication failures within 60s' });
  clock.advance(299_999);
  assert.equal(bans.check('203.0.113.9').banned, true);
  clock.advance(1);
  assert.equal(bans.check('203.0.113.9').banned, false, 'expired exactly at ban_duration');
  assert.deepEqual(named('ban.expired').map((e) => e.data), [{ ip: '203.0.113.9' }]);
});

test('failures spread wider than ban_window never ban', () => {
  const { clock, bans } = setup();
  for (let i = 0; i < 10; i++) {
    assert.equal(bans.recordFailure('198.51.100.1'), false);
    clock.advance(30_001); // only two ever fall inside one 60 s window
  }
  assert.equal(bans.check('198.51.100.1').banned, false);
});

test('ban_whitelist IPs and CIDRs are never banned; ban_enabled=false disables banning', () => {
  const { bans } = setup({ ban_whitelist: ['10.0.0.0/8', '2001:db8::1'] });
  for (let i = 0; i < 5; i++) bans.recordFailure('10.1.2.3');
  for (let i = 0; i < 5; i++) bans.recordFailure('2001:db8::1');
  assert.equal(bans.check('10.1.2.3').banned, false);
  assert.equal(bans.check('2001:db8::1').banned, false);
  const off = setup({ ban_enabled: false });
  for (let i = 0; i < 5; i++) off.bans.recordFailure('192.0.2.1');
  assert.equal(off.bans.check('192.0.2.1').banned, false);
});

test('IPv4-mapped IPv6 is the same source as the IPv4 address', () => {
  const { bans } = setup({ ban_whitelist: ['192.168.0.0/16'] });
  bans.recordFailure('::ffff:203.0.113.5');
  bans.recordFailure('203.0.113.5');
  bans.recordFailure('::FFFF:203.0.113.5');
  assert.equal(bans.check('203.0.113.5').banned, true);
  assert.equal(bans.check('::ffff:203.0.113.5').banned, true);
  assert.equal(bans.isWhitelisted('::ffff:192.168.4.4'), true);
  assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
});

test('canonicalIp: a canonical dotted quad is itself, every other spelling of an address is normalised', () => {
  for (const ip of ['0.0.0.0', '1.2.3.4', '10.0.0.1', '192.168.100.200', '255.255.255.255']) assert.equal(canonicalIp(ip), ip);
  assert.equal(canonicalIp('::ffff:198.51.100.9'), '198.51.100.9');
  assert.equal(canonicalIp('::ffff:c633:6409'), '198.51.100.9');
  // Not addresses (leading zeros are refused by node's isIP): kept as they are, never misread as another host.
  for (const text of ['01.2.3.4', '1.2.3.04', '256.1.1.1', '1.2.3', 'host.example']) assert.equal(canonicalIp(text), text);
});

test('manual ban and unban emit ban.created / ban.removed; bad input is refused with a reason', () => {
  const { bans, named } = setup();
  const r = bans.ban('::ffff:192.0.2.7', 60, 'abuse report');
  assert.ok(r.ok && r.ip === '192.0.2.7');
  assert.deepEqual(bans.list(), [{ ip: '192.0.2.7', remaining_secs: 60, reason: 'abuse report' }]);
  assert.equal(bans.unban('192.0.2.7', 'admin'), true);
  assert.equal(bans.unban('192.0.2.7', 'admin'), false, 'second unban is a no-op');
  assert.deepEqual(named('ban.removed').map((e) => e.data), [{ ip: '192.0.2.7', by: 'admin' }]);
  assert.equal(bans.check('192.0.2.7').banned, false);
  assert.equal(bans.ban('not-an-ip', 60).ok, false);
  assert.equal(bans.ban('192.0.2.8', 0).ok, false);
  assert.equal(bans.ban('192.0.2.8', MAX_MANUAL_BAN_SECS + 1).ok, false);
});

test('sweep expires bans and forgets stale failure windows', () => {
  const { clock, bans, named } = setup();
  bans.ban('192.0.2.1', 10);
  bans.recordFailure('192.0.2.2');
  assert.equal(bans.failures('192.0.2.2'), 1);
  clock.advance(61_000);
  bans.sweep();
  assert.equal(bans.size, 0);
  assert.equal(bans.failures('192.0.2.2'), 0);
  assert.equal(bans.snapshot().failures.length, 0);
  assert.equal(named('ban.expired').length, 1);
});

test('the failure and ban maps are bounded by rate_limit_max_ips', () => {
  const { bans } = setup({ rate_limit_max_ips: 100, ban_threshold: 1 });
  for (let i = 0; i < 1000; i++) bans.recordFailure(`10.9.${i >> 8}.${i & 255}`);
  assert.ok(bans.size <= 100, `size ${bans.size}`);
  assert.ok(bans.check('10.9.3.231').banned, 'the newest ban is kept');
});

test('every change reaches the persistence port', () => {
  const calls: string[] = [];
  const persist: BanPersistence = {
    saveBan: (b) => calls.push(`ban ${b.ip}`),
    deleteBan: (ip) => calls.push(`del ${ip}`),
    saveFailures: (ip, t) => calls.push(`fail ${ip} ${t.length}`),
  };
  const { clock, bans } = setup({}, persist);
  bans.recordFailure('192.0.2.1');
  bans.recordFailure('192.0.2.1');
  bans.recordFailure('192.0.2.1');
  clock.advance(300_000);
  bans.sweep();
  assert.deepEqual(calls, ['fail 192.0.2.1 1', 'fail 192.0.2.1 2', 'fail 192.0.2.1 0', 'ban 192.0.2.1', 'del 192.0.2.1']);
});

test('bans restored from a snapshot keep their expiry; expired ones are dropped', () => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const { bus } = recordingBus(clock);
  const config = makeConfig();
  const bans = new BanList({
    config: () => config, clock, events: bus,
    initial: { bans: [{ ip: '192.0.2.1', expiresAt: clock.now() + 5000, reason: 'x' }, { ip: '192.0.2.2', expiresAt: clock.now() - 1, reason: 'y' }], failures: [] },
  });
  assert.deepEqual(bans.list(), [{ ip: '192.0.2.1', remaining_secs: 5, reason: 'x' }]);
});

test('failures on two nodes within one flush: the node whose failure is the newest bans when the others arrive, the other does not', () => {
  // Node X counted failures at t0 and t0+20 ms; node Y one at t0+10 ms. Neither saw three when counting.
  const x = setup();
  const y = setup();
  const t0 = x.clock.now();
  x.bans.recordFailure('203.0.113.7');
  y.clock.advance(10);
  y.bans.recordFailure('203.0.113.7');
  x.clock.advance(20);
  y.clock.advance(10);
  x.bans.recordFailure('203.0.113.7');
  assert.equal(x.bans.check('203.0.113.7').banned, false);
  // The flush: each learns the other's instants.
  assert.equal(y.bans.mergeFailures('203.0.113.7', [t0, t0 + 20], false), false, 'Y: the newest failure is in the message, X bans');
  assert.equal(x.bans.mergeFailures('203.0.113.7', [t0 + 10], false), true, 'X: its own failure is the newest, so X bans');
  assert.equal(x.bans.check('203.0.113.7').banned, true);
  assert.equal(y.bans.check('203.0.113.7').banned, false, 'Y learns the ban from X, as any other node');
  assert.equal(x.named('ban.created').length + y.named('ban.created').length, 1, 'one ban, one event');
});
