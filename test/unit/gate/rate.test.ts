import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { ConcurrencyLimit, DEFAULT_RATE_LIMIT, SourceRateLimiter, rateLimitKey } from '../../../src/gate/rate.js';

const opts = (o: Partial<typeof DEFAULT_RATE_LIMIT>) => ({ ...DEFAULT_RATE_LIMIT, ...o });

test('burst then deny, then one token per second', () => {
  const clock = new FakeClock(0);
  const rl = new SourceRateLimiter(clock, opts({ burst: 2 }));
  assert.ok(rl.allow('192.0.2.1'));
  assert.ok(rl.allow('192.0.2.1'));
  assert.ok(!rl.allow('192.0.2.1'));
  clock.advance(999);
  assert.ok(!rl.allow('192.0.2.1'));
  clock.advance(1);
  assert.ok(rl.allow('192.0.2.1'));
  assert.ok(!rl.allow('192.0.2.1'));
  assert.ok(rl.allow('192.0.2.2'), 'other sources have their own bucket');
});

test('default budget: 120 at once, then about 1/s', () => {
  const clock = new FakeClock(0);
  const rl = new SourceRateLimiter(clock);
  let n = 0;
  for (let i = 0; i < 200; i++) if (rl.allow('198.51.100.1')) n++;
  assert.equal(n, 120);
  clock.advance(10_000);
  n = 0;
  for (let i = 0; i < 50; i++) if (rl.allow('198.51.100.1')) n++;
  assert.equal(n, 10);
});

test('IPv6 addresses in one /64 share a budget; IPv4 and mapped IPv4 keys are the plain address', () => {
  const clock = new FakeClock(0);
  const rl = new SourceRateLimiter(clock, opts({ burst: 1 }));
  assert.ok(rl.allow('2001:db8:1:2::1'));
  assert.ok(!rl.allow('2001:db8:1:2:ffff::9'));
  assert.ok(rl.allow('2001:db8:1:3::1'));
  assert.equal(rateLimitKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::');
  assert.equal(rateLimitKey('192.0.2.1'), '192.0.2.1');
  assert.equal(rateLimitKey('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(rateLimitKey('not-an-ip'), 'not-an-ip');
  assert.ok(rl.allow('::ffff:192.0.2.9'));
  assert.ok(!rl.allow('192.0.2.9'), 'mapped and plain IPv4 are one source');
});

test('the bucket table is bounded: when full, new sources pass untracked', () => {
  const clock = new FakeClock(0);
  const rl = new SourceRateLimiter(clock, opts({ burst: 1, maxBuckets: 2 }));
  rl.allow('192.0.2.1');
  rl.allow('192.0.2.2');
  assert.ok(rl.allow('192.0.2.3'));
  assert.ok(rl.allow('192.0.2.3'));
  assert.equal(rl.size, 2);
});

test('sweep drops buckets idle for more than 5 minutes', () => {
  const clock = new FakeClock(0);
  const rl = new SourceRateLimiter(clock);
  rl.allow('192.0.2.1');
  clock.advance(4 * 60_000);
  rl.allow('192.0.2.2');
  clock.advance(60_001 + 1);
  rl.sweep();
  assert.equal(rl.size, 1);
});

test('IPv6 keys are RFC 5952 text of the /64, like Go prints them; a zone is not part of the source', () => {
  assert.equal(rateLimitKey('2001:db8:0:0:1:2:3:4'), '2001:db8::');
  assert.equal(rateLimitKey('2001:0DB8:00ab:1::9'), '2001:db8:ab:1::');
  assert.equal(rateLimitKey('::1'), '::');
  assert.equal(rateLimitKey('fe80::1%eth0'), 'fe80::');
  assert.equal(rateLimitKey('1:0:2:0:3:0:4:0'), '1:0:2::');
});

test('concurrency cap: try-acquire fails at the cap; release is idempotent', () => {
  const c = new ConcurrencyLimit(2);
  const a = c.tryAcquire();
  const b = c.tryAcquire();
  assert.ok(a && b);
  assert.equal(c.tryAcquire(), null);
  a.release();
  a.release();
  assert.equal(c.active, 1);
  assert.ok(c.tryAcquire());
});
