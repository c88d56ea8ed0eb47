import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { HEARTBEAT_TIMEOUT_MS, Peers } from '../../../src/cluster/peers.js';
import { Limits } from '../../../src/policy/limits.js';
import { QuotaLedger } from '../../../src/policy/quota.js';
import { Shaper } from '../../../src/policy/shaper.js';
import { makeConfig, recordingBus, userOf } from '../store/state-fixtures.js';

const hb = (at: number, perUser: Record<string, number>) => ({ version: '1.0.0', startedAt: 0, at, sessions: 3, perUser });

test('a peer counts until its heartbeat is older than the timeout, then it is gone', () => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const peers = new Peers(clock, () => 100);
  peers.heartbeat('b', hb(clock.now(), { alice: 2 }));
  peers.heartbeat('c', hb(clock.now(), { alice: 1, bob: 4 }));
  assert.equal(peers.tunnels('alice'), 3);
  peers.tunnelsChanged('b', { alice: 1 });
  peers.tunnelsChanged('unknown', { alice: 9 });
  assert.equal(peers.tunnels('alice'), 2, 'a change updates, an unknown node waits for its heartbeat');
  assert.deepEqual(peers.list().map((p) => [p.node, p.tunnels, p.sessions]), [['b', 1, 3], ['c', 5, 3]]);
  clock.advance(HEARTBEAT_TIMEOUT_MS - 1000);
  peers.heartbeat('c', hb(clock.now(), { bob: 1 }));
  clock.advance(1001);
  assert.equal(peers.tunnels('alice'), 0, 'b timed out; c no longer has alice');
  assert.deepEqual(peers.list().map((p) => p.node), ['c']);
});

test('openings from other nodes are kept for an hour; our own are handed over once', () => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const peers = new Peers(clock, () => 100);
  const now = clock.now();
  peers.remoteOpenings('alice', [now - 3_600_000, now - 1000, now]);
  assert.deepEqual(peers.openings('alice'), [now - 1000, now]);
  peers.opened('alice', now);
  assert.deepEqual(peers.takeOpenings(), [['alice', [now]]]);
  assert.deepEqual(peers.takeOpenings(), []);
});

test('limits: max_connections and per-user rates include what the peers report', () => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const { bus } = recordingBus(clock);
  const config = makeConfig({ users: [{ username: 'alice', authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB alice'], max_connections: 2, rate_limits: { connections_per_minute: 3 } }] });
  const limits = new Limits({ config: () => config, clock, events: bus, ledger: new QuotaLedger({ clock, events: bus }), shaper: new Shaper({ config: () => config, clock }) });
  const peers = new Peers(clock, () => 100);
  limits.joinCluster(peers);
  const alice = userOf(config);
  peers.heartbeat('b', hb(clock.now(), { alice: 1 }));
  const first = limits.acquire(alice);
  assert.equal(first.allow, true);
  const second = limits.acquire(alice);
  assert.equal(second.allow, false, 'one here and one on b is the limit of 2');
  if (!second.allow) assert.match(second.operator, /1 here, 1 on other nodes/);
  assert.deepEqual(peers.takeOpenings().map(([u, at]) => [u, at.length]), [['alice', 1]], 'our opening is announced');
  if (first.allow) first.value.release();
  peers.tunnelsChanged('b', {});
  peers.remoteOpenings('alice', [clock.now(), clock.now()]);
  const third = limits.acquire(alice);
  assert.equal(third.allow, false, 'one here plus two elsewhere within the minute reach the rate of 3');
  clock.advance(60_000);
  assert.equal(limits.acquire(alice).allow, true, 'a minute later they no longer count');
});

const summary = (i: string, st: number) => ({ i, u: 'alice', h: 'example.com', p: 443, ip: '127.0.0.1', st, bu: 1, bd: 2, pr: 'socks5' as const });

test("a peer's session list replaces the last one and leaves with the peer", () => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const peers = new Peers(clock, () => 100);
  peers.sessionsChanged('b', [summary('s1', 1)], { alice: 1 });
  assert.deepEqual(peers.remoteSessions(), [], 'unknown until its heartbeat');
  peers.heartbeat('b', hb(clock.now(), { alice: 1 }));
  peers.sessionsChanged('b', [summary('s1', 1), summary('s2', 2)], { alice: 1 });
  peers.heartbeat('b', hb(clock.now(), { alice: 2 }));
  assert.deepEqual(peers.remoteSessions().map((s) => [s.node, s.i]), [['b', 's1'], ['b', 's2']], 'a heartbeat keeps the list');
  assert.deepEqual(peers.remoteConnections(), [{ node: 'b', username: 'alice', connections: 1 }]);
  peers.sessionsChanged('b', [summary('s2', 2)], {});
  assert.deepEqual(peers.remoteSessions().map((s) => s.i), ['s2']);
  assert.deepEqual(peers.remoteConnections(), []);
  clock.advance(HEARTBEAT_TIMEOUT_MS + 1);
  assert.deepEqual(peers.remoteSessions(), [], 'gone with the peer after the heartbeat timeout');
});
