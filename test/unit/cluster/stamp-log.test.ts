import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StampLog } from '../../../src/cluster/stamp-log.js';

test('countIn counts stamps in (from, to], ignoring stamps ahead of our clock', () => {
  const log = new StampLog(100);
  log.add([1000, 1500, 2000, 2000, 2500], 0);
  assert.equal(log.countIn(1000, 2000), 3, '1500 and both 2000s; 1000 is at the open end');
  assert.equal(log.countIn(0, 2600), 5);
  assert.equal(log.countIn(2000, 2400), 0);
  assert.equal(log.countIn(2000, 2000), 0);
  assert.equal(log.countIn(1999, 2100), 2, 'a stamp from a node whose clock runs ahead (2500) does not count yet');
});

test('batches from several nodes arrive out of order and stay sorted', () => {
  const log = new StampLog(100);
  log.add([100, 300, 500], 0);
  log.add([200, 400, 600], 0);
  log.add([50], 0);
  assert.deepEqual(log.toArray(), [50, 100, 200, 300, 400, 500, 600]);
  assert.equal(log.countIn(150, 450), 3);
  assert.equal(log.last(), 600);
});

test('stamps at or before the horizon are forgotten, and only the newest max are kept', () => {
  const log = new StampLog(3);
  log.add([10, 20, 30], 0);
  log.add([40, 50], 15);
  assert.deepEqual(log.toArray(), [30, 40, 50], '10 is past the horizon, 20 is beyond the cap of 3');
  log.add([5, 60], 45);
  assert.deepEqual(log.toArray(), [50, 60], 'a stamp older than the horizon is not added');
  assert.equal(log.size, 2);
});

test('a log at its cap of 4096 stamps counts any window exactly', () => {
  // 4096: the cap per user (peers.ts); the limits stage asks three windows of it per tunnel.
  const log = new StampLog(4096);
  log.add(Array.from({ length: 4096 }, (_, i) => i), -1);
  assert.equal(log.countIn(4095 - 1000, 4095), 1000);
  assert.equal(log.countIn(-1, 4095), 4096);
});
