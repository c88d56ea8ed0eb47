import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { BanList } from '../../../src/policy/ban.js';
import { Reputation } from '../../../src/policy/reputation.js';
import { StateSync } from '../../../src/cluster/state-sync.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { encodeEnvelope, type StateChange } from '../../../src/cluster/messages.js';
import { makeConfig, recordingBus } from '../store/state-fixtures.js';

function node(name: string) {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const { bus, named } = recordingBus(clock);
  const config = makeConfig({ security: { ban_threshold: 3, ban_window: 60, ban_duration: 300, ip_reputation_enabled: true } });
  const bans = new BanList({ config: () => config, clock, events: bus });
  const reputation = new Reputation({ config: () => config, clock });
  const warnings: string[] = [];
  const sync = new StateSync({ node: name, keys: clusterKeys('t:'), config: () => config, clock, bans, reputation, warn: (m) => warnings.push(m) });
  return { clock, bans, reputation, sync, warnings, named };
}

const from = (n: string, ...c: StateChange[]): string => encodeEnvelope(n, c);

test('a ban from another node refuses here without an event of its own; an older unban does not undo it', () => {
  const b = node('b');
  const now = b.clock.now();
  b.sync.receive(from('a', { t: 'ban', ip: '203.0.113.9', a: now, e: now + 300_000, r: '3 failures' }));
  const c = b.bans.check('203.0.113.9');
  assert.ok(c.banned && c.reason === '3 failures' && c.remainingSecs === 300);
  assert.equal(b.named('ban.created').length, 0, 'the node that banned emitted it');
  b.sync.receive(from('c', { t: 'unban', ip: '203.0.113.9', a: now - 1, e: now + 300_000 }));
  assert.equal(b.bans.check('203.0.113.9').banned, true, 'an unban made before the ban loses');
  b.sync.receive(from('c', { t: 'unban', ip: '203.0.113.9', a: now + 1, e: now + 300_000 }));
  assert.equal(b.bans.check('203.0.113.9').banned, false, 'a later unban wins');
  assert.deepEqual(b.sync.stats, { published: 0, received: 3, rejected: 0, merges: 0 });
});

test("this node's own batches coming back are skipped", () => {
  const b = node('b');
  const now = b.clock.now();
  b.sync.receive(from('b', { t: 'ban', ip: '203.0.113.9', a: now, e: now + 1000, r: 'x' }));
  assert.equal(b.bans.check('203.0.113.9').banned, false);
  assert.equal(b.sync.stats.received, 0);
});

test('failures from another node join the window: the next local failure reaches the threshold and bans', () => {
  const b = node('b');
  const now = b.clock.now();
  b.sync.receive(from('a', { t: 'fail', ip: '203.0.113.9', at: [now - 2000, now - 1000] }));
  assert.equal(b.bans.failures('203.0.113.9'), 2);
  assert.equal(b.bans.check('203.0.113.9').banned, false, 'live failures never ban on the receiving node');
  assert.equal(b.bans.recordFailure('203.0.113.9'), true, 'the third failure anywhere bans');
  assert.equal(b.named('ban.created').length, 1);
});

test('failures outside the window or from a future beyond it are ignored', () => {
  const b = node('b');
  const now = b.clock.now();
  b.sync.receive(from('a', { t: 'fail', ip: '203.0.113.9', at: [now - 61_000, now + 120_000, now] }));
  assert.equal(b.bans.failures('203.0.113.9'), 1);
});

test('reputation points from another node add to the score, decayed from when they were given', () => {
  const b = node('b');
  const now = b.clock.now();
  b.sync.receive(from('a', { t: 'rep', ip: '203.0.113.9', p: 10, at: now, f: 1 }));
  assert.equal(b.reputation.score('203.0.113.9'), 10);
  b.sync.receive(from('a', { t: 'rep', ip: '203.0.113.9', p: 10, at: now - 3_600_000, f: 1 }));
  assert.equal(b.reputation.score('203.0.113.9'), 15, 'an hour-old 10 is worth 5');
  b.sync.receive(from('a', { t: 'rep-set', ip: '203.0.113.9', s: 12, u: now, f: 0 }));
  assert.equal(b.reputation.score('203.0.113.9'), 15, 'a lower copy does not lower the score');
  b.sync.receive(from('a', { t: 'rep-set', ip: '203.0.113.9', s: 40, u: now, f: 0 }));
  assert.equal(b.reputation.score('203.0.113.9'), 40, 'a higher copy raises it');
  b.sync.receive(from('a', { t: 'rep-reset', ip: '203.0.113.9' }));
  assert.equal(b.reputation.score('203.0.113.9'), 0);
});

test('a malformed message is dropped whole, counted and logged', () => {
  const b = node('b');
  b.sync.receive('{"v":1,"n":"a","c":[{"t":"ban","ip":"203.0.113.9","a":1}]}');
  b.sync.receive('not json');
  assert.equal(b.bans.check('203.0.113.9').banned, false);
  assert.equal(b.sync.stats.rejected, 2);
  assert.match(b.warnings[0] ?? '', /cluster: state message dropped: c\.0/);
});
