import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { QuotaDeltas } from '../../../src/policy/quota-deltas.js';
import { QuotaLedger } from '../../../src/policy/quota.js';
import { parseTotals } from '../../../src/cluster/quota-sync.js';
import { utcDay, utcMonth } from '../../../src/policy/rate.js';
import { recordingBus } from '../store/state-fixtures.js';

const NOW = Date.parse('2026-05-31T23:59:59Z');

test('deltas add up, roll with the calendar, and hand over once', () => {
  const d = new QuotaDeltas();
  d.add('alice', NOW, 100, 1);
  d.add('alice', NOW, 50, 0);
  const p = d.pending('alice', NOW)!;
  assert.deepEqual([p.dailyBytes, p.dailyConnections, p.monthlyBytes, p.totalBytes, [...p.hour.values()]], [150, 1, 150, 150, [150]]);
  d.add('alice', NOW + 1000, 10, 0); // 1 June: new day and month
  const q = d.pending('alice', NOW + 1000)!;
  assert.deepEqual([q.dailyBytes, q.monthlyBytes, q.totalBytes], [10, 10, 160]);
  const batch = d.take();
  assert.equal(batch.length, 1);
  assert.equal(d.size, 0);
});

test('a batch given back is added to what was counted since: never lost, never doubled', () => {
  const d = new QuotaDeltas();
  d.add('alice', NOW, 100, 1);
  const batch = d.take();
  d.add('alice', NOW, 5, 0);
  d.giveBack(batch, NOW);
  const p = d.pending('alice', NOW)!;
  assert.deepEqual([p.dailyBytes, p.dailyConnections, p.totalBytes], [105, 1, 105]);
});

test('the ledger shows the cluster totals plus what it has not sent; clusterBase takes that back out', () => {
  const clock = new FakeClock(NOW - 3_600_000);
  const { bus } = recordingBus(clock);
  const ledger = new QuotaLedger({ clock, events: bus });
  const deltas = ledger.joinCluster({ reset: () => {} })!;
  ledger.account('alice', { daily_bandwidth_bytes: 0, daily_connection_limit: 0, monthly_bandwidth_bytes: 0, monthly_connection_limit: 0, bandwidth_per_hour_bytes: 0, total_bandwidth_bytes: 0 }, 40);
  const now = clock.now();
  ledger.applyClusterUsage('alice', { day: utcDay(now), month: utcMonth(now), dailyBytes: 1000, dailyConnections: 3, monthlyBytes: 5000, monthlyConnections: 9, totalBytes: 70000, hour: [[Math.floor(now / 60000), 1000]] });
  const u = ledger.usage('alice');
  assert.deepEqual([u.daily_bytes, u.daily_connections, u.monthly_bytes, u.total_bytes, u.hourly_bytes], [1040, 3, 5040, 70040, 1040]);
  const base = ledger.clusterBase('alice')!;
  assert.deepEqual([base.dailyBytes, base.monthlyBytes, base.totalBytes, base.hour[0]?.[1]], [1000, 5000, 70000, 1000]);
  assert.equal(deltas.pending('alice', now)?.dailyBytes, 40);
});

test('a reset drops pending counts in its scope and is told to the replica; a remote reset is not echoed', () => {
  const clock = new FakeClock(NOW);
  const { bus } = recordingBus(clock);
  const ledger = new QuotaLedger({ clock, events: bus });
  const told: string[] = [];
  const deltas = ledger.joinCluster({ reset: (u, s) => told.push(`${u}:${s}`) })!;
  ledger.chargeConnection('alice');
  ledger.reset('alice', 'daily');
  assert.equal(deltas.pending('alice', NOW)?.dailyConnections, 0);
  assert.equal(deltas.pending('alice', NOW)?.monthlyConnections, 1);
  ledger.applyRemoteReset('alice', 'all');
  assert.deepEqual(told, ['alice:daily']);
  assert.equal(ledger.usage('alice').monthly_connections, 0);
});

test('Redis totals parse defensively: garbage is 0, hour slices outside the last hour are dropped', () => {
  const now = NOW;
  const cur = Math.floor(now / 60000);
  const u = parseTotals([{ b: '12', c: 'x' }, null, { b: '-5' }, { [cur]: '7', [cur - 60]: '9', [cur + 1]: '3', junk: '1' }], 1, 2, now);
  assert.deepEqual(u, { day: 1, month: 2, dailyBytes: 12, dailyConnections: 0, monthlyBytes: 0, monthlyConnections: 0, totalBytes: 0, hour: [[cur, 7]] });
});
