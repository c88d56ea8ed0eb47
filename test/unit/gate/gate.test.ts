import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { localAdmission } from '../../../src/gate/gate.js';
import { ConcurrencyLimit, SourceRateLimiter } from '../../../src/gate/rate.js';

test('admission: the slot first, then the rate; a rate-limited connection holds its slot until released, an overloaded one none', () => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const slots = new ConcurrencyLimit(2);
  const admit = localAdmission(slots, new SourceRateLimiter(clock, { rate: 1, burst: 1, idleMs: 60_000, maxBuckets: 10 }));
  const first = admit('192.0.2.1');
  assert.ok(!(first instanceof Promise));
  assert.equal(first.verdict, 'ok');
  const second = admit('192.0.2.1');
  assert.ok(!(second instanceof Promise));
  assert.equal(second.verdict, 'ratelimit');
  assert.equal(slots.active, 2);
  const third = admit('192.0.2.2');
  assert.ok(!(third instanceof Promise));
  assert.equal(third.verdict, 'overload');
  second.release();
  second.release();
  assert.equal(slots.active, 1, 'released once, however often called');
  const fourth = admit('192.0.2.2');
  assert.ok(!(fourth instanceof Promise) && fourth.verdict === 'ok');
});
