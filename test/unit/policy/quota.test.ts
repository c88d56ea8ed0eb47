import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import type { TrafficMeter } from '../../../src/pipeline/types.js';
import { QuotaLedger, quotaClientMessage } from '../../../src/policy/quota.js';
import { Limits } from '../../../src/policy/limits.js';
import { Shaper } from '../../../src/policy/shaper.js';
import type { Config, ConfigInput } from '../../../src/config/schema.js';
import { makeConfig, recordingBus, userOf } from '../store/state-fixtures.js';

const KEY = ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB alice'];

function setup(user: Record<string, unknown> = {}, rest: Partial<ConfigInput> = {}, start = '2026-05-06T12:00:00Z') {
  const clock = new FakeClock(start);
  const { bus, named } = recordingBus(clock);
  const config: Config = makeConfig({ users: [{ username: 'alice', authorized_keys: KEY, ...user }, { username: 'bob', authorized_keys: KEY }], ...rest });
  const ledger = new QuotaLedger({ clock, events: bus });
  const limits = new Limits({ config: () => config, clock, events: bus, ledger, shaper: new Shaper({ config: () => config, clock }) });
  const alice = userOf(config, 'alice');
  const bob = userOf(config, 'bob');
  const open = (u = alice): TrafficMeter => {
    const d = limits.acquire(u, '192.0.2.1');
    if (!d.allow) throw new Error(`refused: ${d.operator}`);
    return d.value;
  };
  return { clock, ledger, limits, alice, bob, named, open };
}

test('a transfer crossing the daily bandwidth quota is cut exactly at the limit', () => {
  const { open, named, alice, limits } = setup({ quotas: { daily_bandwidth_bytes: 10_000 } });
  const m = open();
  assert.deepEqual(m.account(4096, 'down'), { pass: 4096 });
  assert.deepEqual(m.account(4096, 'up'), { pass: 4096 });
  assert.deepEqual(m.account(4096, 'down'), { pass: 1808, exceeded: 'daily_bandwidth_bytes' });
  assert.deepEqual(m.account(10, 'down'), { pass: 0, exceeded: 'daily_bandwidth_bytes' });
  assert.equal(m.bytesUp + m.bytesDown, 10_000, 'both directions count, and nothing past the limit');
  assert.deepEqual(named('quota.exceeded').map((e) => e.data), [{ username: 'alice', quota: 'daily_bandwidth_bytes', used: 10_000, limit: 10_000 }]);
  assert.equal(quotaClientMessage('daily_bandwidth_bytes'), 'daily bandwidth quota exceeded');
  m.release();
  const next = limits.acquire(alice);
  assert.ok(!next.allow && next.code === 'SKS5_DENY_QUOTA' && next.client === 'daily bandwidth quota exceeded');
});

test('concurrent tunnels of one user share the quota', () => {
  const { open } = setup({ quotas: { daily_bandwidth_bytes: 1000 } });
  const a = open();
  const b = open();
  assert.equal(a.account(600, 'down').pass, 600);
  assert.deepEqual(b.account(600, 'down'), { pass: 400, exceeded: 'daily_bandwidth_bytes' });
  assert.equal(a.account(1, 'down').pass, 0);
});

test('daily counters reset at UTC midnight, monthly at the UTC month start, total never', () => {
  const { open, clock, ledger, alice } = setup(
    { quotas: { daily_bandwidth_bytes: 1000, monthly_bandwidth_bytes: 2500, total_bandwidth_bytes: 3000 } },
    {}, '2026-01-30T23:59:00Z',
  );
  const m = open();
  assert.deepEqual(m.account(1000, 'down'), { pass: 1000 }, 'reaching the limit exactly is allowed');
  assert.deepEqual(m.account(1, 'down'), { pass: 0, exceeded: 'daily_bandwidth_bytes' });
  clock.set('2026-01-31T00:00:00Z');
  assert.deepEqual(m.account(1000, 'down'), { pass: 1000 }, 'new UTC day');
  clock.set('2026-01-31T23:59:59Z');
  assert.equal(m.account(1, 'down').pass, 0);
  clock.set('2026-02-01T00:00:00Z');
  assert.deepEqual(m.account(1000, 'down'), { pass: 1000 }, 'new day and new month');
  const u = ledger.usage('alice', alice.quotas);
  assert.equal(u.daily_bytes, 1000);
  assert.equal(u.monthly_bytes, 1000);
  assert.equal(u.total_bytes, 3000);
  assert.equal(u.daily_resets_at, '2026-02-02T00:00:00.000Z');
  assert.equal(u.monthly_resets_at, '2026-03-01T00:00:00.000Z');
  clock.set('2026-02-02T00:00:00Z');
  assert.deepEqual(m.account(5, 'down'), { pass: 0, exceeded: 'total_bandwidth_bytes' }, 'lifetime quota does not reset');
});

test('monthly quota carries over days and resets on the first of the month (UTC)', () => {
  const { open, clock } = setup({ quotas: { monthly_bandwidth_bytes: 1500 } }, {}, '2026-03-31T10:00:00Z');
  const m = open();
  assert.equal(m.account(1000, 'down').pass, 1000);
  clock.set('2026-03-31T23:59:59.999Z');
  assert.deepEqual(m.account(1000, 'down'), { pass: 500, exceeded: 'monthly_bandwidth_bytes' });
  clock.set('2026-04-01T00:00:00Z');
  assert.deepEqual(m.account(1000, 'down'), { pass: 1000 });
});

test('bandwidth_per_hour_bytes is a rolling hour, not a clock hour', () => {
  const { open, clock } = setup({ quotas: { bandwidth_per_hour_bytes: 1000 } }, {}, '2026-05-06T12:50:00Z');
  const m = open();
  assert.equal(m.account(800, 'down').pass, 800);
  clock.set('2026-05-06T13:10:00Z'); // a new clock hour, but the 800 bytes are 20 minutes old
  assert.deepEqual(m.account(800, 'down'), { pass: 200, exceeded: 'bandwidth_per_hour_bytes' });
  clock.set('2026-05-06T13:51:00Z'); // the 12:50 bytes left the window
  assert.equal(m.account(800, 'down').pass, 800);
});

test('daily and monthly connection quotas refuse new tunnels', () => {
  const { limits, alice, clock, ledger } = setup({ quotas: { daily_connection_limit: 2, monthly_connection_limit: 3 } }, {}, '2026-05-30T12:00:00Z');
  limits.acquire(alice).allow && limits.acquire(alice).allow;
  const third = limits.acquire(alice);
  assert.ok(!third.allow && third.code === 'SKS5_DENY_QUOTA' && third.client === 'daily connection quota exceeded');
  clock.set('2026-05-31T00:00:01Z');
  assert.ok(limits.acquire(alice).allow);
  const fifth = limits.acquire(alice);
  assert.ok(!fifth.allow && fifth.client === 'monthly connection quota exceeded');
  clock.set('2026-06-01T00:00:00Z');
  assert.ok(limits.acquire(alice).allow);
  assert.equal(ledger.usage('alice').monthly_connections, 1);
});

test('per-user max_connections: slots are released exactly once', () => {
  const { limits, alice, bob } = setup({ max_connections: 2 });
  const a = limits.acquire(alice);
  const b = limits.acquire(alice);
  assert.ok(a.allow && b.allow);
  const c = limits.acquire(alice);
  assert.ok(!c.allow && c.code === 'SKS5_DENY_CONN_LIMIT');
  assert.ok(limits.acquire(bob).allow, 'other users are not affected');
  a.value.release();
  a.value.release();
  assert.equal(limits.active('alice'), 1);
  assert.ok(limits.acquire(alice).allow);
  assert.ok(!limits.acquire(alice).allow, 'double release did not free a second slot');
});

test('global limits.max_connections caps tunnels across users', () => {
  const { limits, alice, bob } = setup({}, { limits: { max_connections: 1 } });
  const a = limits.acquire(alice);
  assert.ok(a.allow);
  const b = limits.acquire(bob);
  assert.ok(!b.allow && b.code === 'SKS5_DENY_CONN_LIMIT');
  a.value.release();
  assert.ok(limits.acquire(bob).allow);
});

test('per-user rate windows; the per-minute limit is the stricter of the two settings', () => {
  const { limits, alice, clock, named } = setup({ rate_limits: { connections_per_second: 2, connections_per_minute: 10 }, max_new_connections_per_minute: 3 });
  assert.ok(limits.acquire(alice).allow);
  assert.ok(limits.acquire(alice).allow);
  const r = limits.acquire(alice, '192.0.2.1');
  assert.ok(!r.allow && r.code === 'SKS5_DENY_RATE' && r.operator.includes('connections_per_second'));
  assert.deepEqual(named('rate_limit.exceeded')[0]?.data, { source_ip: '192.0.2.1', username: 'alice', limit: 'rate_limits.connections_per_second' });
  clock.advance(1000);
  assert.ok(limits.acquire(alice).allow);
  const m = limits.acquire(alice);
  assert.ok(!m.allow && m.operator.includes('connections_per_minute (3)'));
  clock.advance(59_000);
  assert.ok(limits.acquire(alice).allow);
});

test('per-user hourly rate and server-wide tunnel rates', () => {
  const { limits, alice, bob, clock } = setup({ rate_limits: { connections_per_hour: 2 } }, { limits: { max_new_connections_per_second: 3 } });
  assert.ok(limits.acquire(alice).allow);
  assert.ok(limits.acquire(alice).allow);
  clock.advance(30 * 60_000);
  assert.ok(!limits.acquire(alice).allow);
  clock.advance(30 * 60_000);
  assert.ok(limits.acquire(alice).allow);
  assert.ok(limits.acquire(bob).allow);
  assert.ok(limits.acquire(bob).allow);
  const s = limits.acquire(bob);
  assert.ok(!s.allow && s.client === 'server busy, try again later');
});

test('admin reset clears the counters so the user can connect again', () => {
  const { limits, alice, ledger, open } = setup({ quotas: { daily_bandwidth_bytes: 100 } });
  open().account(100, 'down');
  assert.ok(!limits.acquire(alice).allow);
  ledger.reset('alice');
  assert.ok(limits.acquire(alice).allow);
  assert.equal(ledger.usage('alice', alice.quotas).daily_bytes, 0);
  assert.equal(ledger.usage('alice', alice.quotas).daily_bytes_limit, 100);
});

test('the ledger round-trips through its stored record', () => {
  const { open, ledger, clock } = setup({ quotas: { bandwidth_per_hour_bytes: 10_000 } });
  open().account(1234, 'up');
  const rec = ledger.record('alice');
  assert.ok(rec);
  const { bus } = recordingBus(clock);
  const copy = new QuotaLedger({ clock, events: bus, initial: [rec] });
  assert.deepEqual({ ...copy.usage('alice'), current_rate_bps: 0 }, { ...ledger.usage('alice'), current_rate_bps: 0 }, 'the live rate is not persisted');
  assert.equal(copy.usage('alice').hourly_bytes, 1234);
});

test('backup and restore carry the counters of the current day and month', () => {
  const { open, ledger, clock } = setup({ quotas: { daily_bandwidth_bytes: 10_000 } });
  open().account(700, 'down');
  assert.deepEqual(ledger.backup(), { alice: { daily_bytes: 700, daily_connections: 1, monthly_bytes: 700, monthly_connections: 1, total_bytes: 700 } });
  const { bus } = recordingBus(clock);
  const other = new QuotaLedger({ clock, events: bus });
  assert.equal(other.restore({ alice: { daily_bytes: 700, total_bytes: 900, monthly_connections: -5 } }), 1);
  const u = other.usage('alice');
  assert.equal(u.daily_bytes, 700);
  assert.equal(u.total_bytes, 900);
  assert.equal(u.monthly_connections, 0, 'nonsense values become 0');
});

test('usage reports the live rate over the last seconds', () => {
  const { open, ledger, clock } = setup();
  const m = open();
  for (let i = 0; i < 5; i++) { clock.advance(1000); m.account(10_000, 'down'); }
  assert.equal(ledger.usage('alice').current_rate_bps, 10_000);
  clock.advance(10_000);
  assert.equal(ledger.usage('alice').current_rate_bps, 0);
});
