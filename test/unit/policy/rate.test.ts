import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BucketedWindow, CappedMap, createRateWindow, EXACT_WINDOW_MAX, nextUtcDayStart, nextUtcMonthStart, RollingSum, SlidingWindowLog, TokenBucket, utcDay, utcMonth } from '../../../src/policy/rate.js';

test('sliding window: the limit+1th event within the window is refused, and allowed once the oldest ages out', () => {
  const w = new SlidingWindowLog(3, 60_000);
  assert.equal(w.tryRecord(0), true);
  assert.equal(w.tryRecord(10_000), true);
  assert.equal(w.tryRecord(20_000), true);
  assert.equal(w.tryRecord(59_999), false, '4th within 60 s');
  assert.equal(w.count(59_999), 3);
  assert.equal(w.tryRecord(60_000), true, 'first event aged out exactly at 60 s');
  assert.equal(w.tryRecord(60_001), false);
  assert.equal(w.tryRecord(70_000), true);
});

test('sliding window: a refused attempt is not recorded', () => {
  const w = new SlidingWindowLog(1, 1000);
  assert.equal(w.tryRecord(0), true);
  for (let t = 1; t < 1000; t += 100) assert.equal(w.tryRecord(t), false);
  assert.equal(w.tryRecord(1000), true);
});

test('large limits use a sliced window: never over the limit, free again within the window', () => {
  assert.ok(createRateWindow(EXACT_WINDOW_MAX, 1000) instanceof SlidingWindowLog);
  assert.ok(createRateWindow(EXACT_WINDOW_MAX + 1, 1000) instanceof BucketedWindow);
  const w = createRateWindow(1000, 60_000);
  let allowed = 0;
  for (let t = 0; t < 60_000; t += 10) if (w.tryRecord(t)) allowed++;
  assert.equal(allowed, 1000, 'exactly the limit within one window');
  assert.equal(w.tryRecord(60_000), true, 'the first slice has left the window at 60 s');
  // Any 60 s span never holds more than the limit.
  const v = createRateWindow(100, 60_000);
  const times: number[] = [];
  for (let t = 0; t < 300_000; t += 7) if (v.tryRecord(t)) times.push(t);
  for (let i = 100; i < times.length; i++) assert.ok((times[i] ?? 0) - (times[i - 100] ?? 0) >= 57_000, `span at ${i}`);
});

test('rolling sum forgets amounts after the window (one-slice resolution)', () => {
  const hour = new RollingSum(3_600_000, 60);
  hour.add(0, 100);
  hour.add(30 * 60_000, 50);
  assert.equal(hour.total(59 * 60_000), 150);
  assert.equal(hour.total(60 * 60_000), 50, 'the minute-0 slice left the window');
  assert.equal(hour.total(90 * 60_000), 0);
  hour.add(100 * 60_000, 7);
  const copy = new RollingSum(3_600_000, 60);
  copy.restore(hour.entries(100 * 60_000), 100 * 60_000);
  assert.equal(copy.total(100 * 60_000), 7);
});

test('token bucket: reserve returns the wait that keeps the long-run rate', () => {
  const b = new TokenBucket(1000, 100, 0);
  assert.equal(b.reserve(100, 0), 0, 'burst available at start');
  assert.equal(b.reserve(500, 0), 500, '500 bytes of debt at 1000 B/s');
  assert.equal(b.reserve(0, 500), 0, 'out of debt after the wait');
  // Over 10 simulated seconds of 256-byte chunks the throughput is the rate.
  let t = 0;
  let sent = 0;
  for (let i = 0; i < 10_000 && t < 10_000; i++) {
    t += b.reserve(256, t);
    sent += 256;
  }
  assert.ok(Math.abs(sent / 10 - 1000) / 1000 < 0.1, `rate ${sent / 10} B/s`);
});

test('token bucket rate change keeps the balance but applies the new rate', () => {
  const b = new TokenBucket(1000, 1000, 0);
  b.reserve(1000, 0);
  b.setRate(100, 10, 0);
  assert.equal(b.reserve(100, 0), 1000);
});

test('capped map evicts the oldest 10 % when full and reports what it evicted', () => {
  const m = new CappedMap<number, number>(() => 10);
  for (let i = 0; i < 10; i++) assert.deepEqual(m.set(i, i), []);
  assert.deepEqual(m.set(10, 10), [0]);
  assert.equal(m.size, 10);
  m.set(1, 1); // refresh: 1 becomes youngest
  assert.deepEqual(m.set(11, 11), [2]);
});

test('UTC calendar helpers: day and month boundaries are in UTC', () => {
  const beforeMidnight = Date.parse('2026-03-31T23:59:59.999Z');
  const midnight = Date.parse('2026-04-01T00:00:00.000Z');
  assert.equal(utcDay(midnight) - utcDay(beforeMidnight), 1);
  assert.notEqual(utcMonth(midnight), utcMonth(beforeMidnight));
  assert.equal(nextUtcDayStart(beforeMidnight), midnight);
  assert.equal(nextUtcMonthStart(Date.parse('2026-12-15T12:00:00Z')), Date.parse('2027-01-01T00:00:00Z'));
  assert.equal(nextUtcMonthStart(Date.parse('2028-02-29T23:00:00Z')), Date.parse('2028-03-01T00:00:00Z'));
});
