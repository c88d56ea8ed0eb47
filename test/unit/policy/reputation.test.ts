import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { decayed, Reputation, type ReputationRecord } from '../../../src/policy/reputation.js';
import type { Config } from '../../../src/config/schema.js';
import { makeConfig } from '../store/state-fixtures.js';

const HOUR = 3_600_000;

function setup(security: Record<string, unknown> = { ip_reputation_enabled: true, ip_reputation_ban_threshold: 50 }) {
  const clock = new FakeClock('2026-05-01T00:00:00Z');
  let config: Config = makeConfig({ security });
  const saved: ReputationRecord[] = [];
  const deleted: string[] = [];
  const rep = new Reputation({ config: () => config, clock, persist: { save: (r) => saved.push(r), delete: (ip) => deleted.push(ip) } });
  return { clock, rep, saved, deleted, setConfig: (c: Config) => { config = c; } };
}

test('points: auth failure +10, ACL denial +5, rapid connection +3, auth success -5 (never below 0)', () => {
  const { rep } = setup();
  assert.equal(rep.authFailure('192.0.2.1'), 10);
  assert.equal(rep.aclDenial('192.0.2.1'), 15);
  assert.equal(rep.rapidConnection('192.0.2.1'), 18);
  assert.equal(rep.authSuccess('192.0.2.1'), 13);
  assert.equal(rep.authSuccess('192.0.2.2'), 0);
  assert.equal(rep.score('192.0.2.2'), 0);
});

test('scores halve every hour', () => {
  const { clock, rep } = setup();
  rep.authFailure('192.0.2.1');
  rep.authFailure('192.0.2.1');
  rep.authFailure('192.0.2.1');
  rep.authFailure('192.0.2.1'); // 40
  clock.advance(HOUR);
  assert.ok(Math.abs(rep.score('192.0.2.1') - 20) < 1e-9);
  clock.advance(2 * HOUR);
  assert.ok(Math.abs(rep.score('192.0.2.1') - 5) < 1e-9);
  assert.ok(Math.abs(decayed(100, HOUR / 2) - 70.71) < 0.01);
});

test('refuses at the threshold; threshold 0 scores only; disabled tracks nothing', () => {
  const { rep } = setup();
  for (let i = 0; i < 4; i++) rep.authFailure('192.0.2.1');
  assert.equal(rep.refuses('192.0.2.1'), false, '40 < 50');
  rep.authFailure('192.0.2.1');
  assert.equal(rep.refuses('192.0.2.1'), true, '50 >= 50');
  assert.equal(rep.refuses('::ffff:192.0.2.1'), true, 'mapped form is the same source');

  const scoreOnly = setup({ ip_reputation_enabled: true, ip_reputation_ban_threshold: 0 });
  for (let i = 0; i < 20; i++) scoreOnly.rep.authFailure('192.0.2.1');
  assert.equal(scoreOnly.rep.score('192.0.2.1'), 200);
  assert.equal(scoreOnly.rep.refuses('192.0.2.1'), false);

  const off = setup({ ip_reputation_enabled: false });
  for (let i = 0; i < 20; i++) off.rep.authFailure('192.0.2.1');
  assert.equal(off.rep.score('192.0.2.1'), 0);
  assert.equal(off.saved.length, 0);
});

test('a refused source is let in again once its score decays under the threshold', () => {
  const { clock, rep } = setup();
  for (let i = 0; i < 6; i++) rep.authFailure('192.0.2.1'); // 60
  assert.equal(rep.refuses('192.0.2.1'), true);
  clock.advance(HOUR * 0.27); // 60 * 2^-0.27 = 49.8
  assert.equal(rep.refuses('192.0.2.1'), false);
});

test('sweep drops faded scores; changes reach the persistence port', () => {
  const { clock, rep, saved, deleted } = setup();
  rep.authFailure('192.0.2.1');
  assert.equal(saved.length, 1);
  assert.deepEqual({ ...saved[0], updatedAt: 0 }, { ip: '192.0.2.1', score: 10, updatedAt: 0, authFailures: 1 });
  clock.advance(10 * HOUR);
  rep.sweep();
  assert.equal(rep.size, 0);
  assert.deepEqual(deleted, ['192.0.2.1']);
});

test('restored scores keep decaying from when they were saved', () => {
  const clock = new FakeClock('2026-05-01T02:00:00Z');
  const config = makeConfig({ security: { ip_reputation_enabled: true } });
  const rep = new Reputation({ config: () => config, clock, initial: [{ ip: '192.0.2.9', score: 80, updatedAt: clock.now() - 2 * HOUR, authFailures: 8 }] });
  assert.ok(Math.abs(rep.score('192.0.2.9') - 20) < 1e-9);
  assert.equal(rep.list(10)[0]?.ip, '192.0.2.9');
});
