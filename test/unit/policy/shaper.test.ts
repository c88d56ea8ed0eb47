import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { Shaper, type ConnectionShaper } from '../../../src/policy/shaper.js';
import type { Config, ConfigInput } from '../../../src/config/schema.js';
import { makeConfig, userOf } from '../store/state-fixtures.js';

const KEY = ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB x'];
const CHUNK = 16 * 1024;
const SIM_MS = 10_000;

function setup(users: Array<Record<string, unknown>>, rest: Partial<ConfigInput> = {}) {
  const clock = new FakeClock(0);
  let config: Config = makeConfig({ users: users.map((u) => ({ authorized_keys: KEY, ...u })) as ConfigInput['users'], ...rest });
  const shaper = new Shaper({ config: () => config, clock });
  return { clock, shaper, user: (name: string) => userOf(config, name), setConfig: (c: Config) => { config = c; } };
}

/**
 * A relay loop in simulated time: each connection forwards a chunk when it is ready, waits what
 * delayFor says, repeats. Returns the bytes each connection forwarded within SIM_MS.
 */
function simulate(clock: FakeClock, conns: ConnectionShaper[], simMs = SIM_MS): number[] {
  const ready = conns.map(() => clock.now());
  const sent = conns.map(() => 0);
  const end = clock.now() + simMs;
  for (let step = 0; step < 1_000_000; step++) {
    let i = 0;
    for (let j = 1; j < conns.length; j++) if ((ready[j] ?? 0) < (ready[i] ?? 0)) i = j;
    const t = ready[i] ?? 0;
    if (t >= end) break;
    clock.set(t);
    const wait = conns[i]?.delayFor(CHUNK) ?? 0;
    // The chunk goes out once the wait is over; count it only if that is inside the window.
    if (t + wait < end) sent[i] = (sent[i] ?? 0) + CHUNK;
    ready[i] = t + Math.max(wait, 1);
  }
  return sent;
}

function near(actual: number, expected: number, tolerance = 0.1): boolean {
  return Math.abs(actual - expected) / expected <= tolerance;
}

test('per-connection max_bandwidth_kbps: bytes per simulated second within 10 %', () => {
  const { clock, shaper, user } = setup([{ username: 'alice', max_bandwidth_kbps: 800 }]); // 100 000 B/s
  const [sent = 0] = simulate(clock, [shaper.forConnection(user('alice'))]);
  assert.ok(near(sent / 10, 100_000), `${sent / 10} B/s`);
});

test('per-user max_aggregate_bandwidth_kbps is shared fairly by the user\'s connections', () => {
  const { clock, shaper, user } = setup([{ username: 'alice', max_aggregate_bandwidth_kbps: 1600 }, { username: 'bob' }]); // 200 000 B/s
  const alice = user('alice');
  const [a = 0, b = 0, c = 0] = simulate(clock, [shaper.forConnection(alice), shaper.forConnection(alice), shaper.forConnection(user('bob'))]);
  assert.ok(near((a + b) / 10, 200_000), `aggregate ${(a + b) / 10} B/s`);
  assert.ok(near(a, b, 0.2), `fair split ${a} vs ${b}`);
  assert.ok(c / 10 > 1_000_000, 'an unlimited user is not slowed by alice\'s cap');
});

test('server-wide limits.max_bandwidth_mbps caps all users together', () => {
  const { clock, shaper, user } = setup([{ username: 'alice' }, { username: 'bob' }], { limits: { max_bandwidth_mbps: 8 } }); // 1 000 000 B/s
  const [a = 0, b = 0] = simulate(clock, [shaper.forConnection(user('alice')), shaper.forConnection(user('bob'))]);
  assert.ok(near((a + b) / 10, 1_000_000), `total ${(a + b) / 10} B/s`);
  assert.ok(near(a, b, 0.2), `fair split ${a} vs ${b}`);
});

test('the strictest of connection, user and server caps wins', () => {
  const { clock, shaper, user } = setup([{ username: 'alice', max_bandwidth_kbps: 400, max_aggregate_bandwidth_kbps: 8000 }], { limits: { max_bandwidth_mbps: 100 } });
  const [sent = 0] = simulate(clock, [shaper.forConnection(user('alice'))]);
  assert.ok(near(sent / 10, 50_000), `${sent / 10} B/s`);
});

test('without caps nothing waits; a reload that sets a server cap applies to open connections', () => {
  const { clock, shaper, user, setConfig } = setup([{ username: 'alice' }]);
  const conn = shaper.forConnection(user('alice'));
  for (let i = 0; i < 100; i++) assert.equal(conn.delayFor(1 << 20), 0);
  setConfig(makeConfig({ users: [{ username: 'alice', authorized_keys: KEY }], limits: { max_bandwidth_mbps: 8 } }));
  const [sent = 0] = simulate(clock, [conn]);
  assert.ok(near(sent / 10, 1_000_000), `${sent / 10} B/s`);
});
