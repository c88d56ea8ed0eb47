import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { deny } from '../../../src/errors.js';
import { StartupDropLog } from '../../../src/observe/startup-drop-log.js';
import type { StartupsSnapshot } from '../../../src/policy/startup-budget.js';

function setup(snap: Partial<StartupsSnapshot> = {}) {
  const clock = new FakeClock('2026-05-06T12:00:00Z');
  const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  const snapshot = (): StartupsSnapshot => ({
    policy: { start: 200, rate: 30, full: 500, perSource: 32 }, inProgress: 160, sources: 5, earlyDropActive: false,
    dropped: { per_source: 0, early_drop: 0, full: 0 }, ...snap,
  });
  const log = { warn: (obj: Record<string, unknown>, msg: string) => { lines.push({ obj, msg }); } };
  const drops = new StartupDropLog({ log: log as never, clock, snapshot, intervalMs: 10_000 });
  return { clock, lines, drops };
}

const perSource = deny('SKS5_DENY_STARTUPS_SOURCE', '127.0.0.2 holds 32 unauthenticated connections = limits.per_source_max_startups; dropped 127.0.0.2');

test('the first drop is logged at once, then one summary line per interval with the count since the last', () => {
  const { clock, lines, drops } = setup();
  drops.dropped(perSource);
  assert.equal(lines.length, 1);
  for (let i = 0; i < 2999; i++) drops.dropped(perSource);
  assert.equal(lines.length, 1, '3,000 drops inside one interval: still one line');
  clock.advance(9_999);
  drops.dropped(perSource);
  assert.equal(lines.length, 1);
  clock.advance(1);
  drops.dropped(perSource);
  assert.equal(lines.length, 2);
  assert.equal(lines[1]?.obj.dropped, 3001, 'the line counts every drop since the previous line');
  assert.match(lines[1]?.msg ?? '', /per_source_max_startups \(32\)/);
  assert.match(lines[1]?.msg ?? '', /3001 new connections dropped since the last such line/);
});

test('the line says when random early drop is active', () => {
  const { lines, drops } = setup({ inProgress: 350, earlyDropActive: true, dropped: { per_source: 0, early_drop: 7, full: 0 } });
  drops.dropped(deny('SKS5_DENY_STARTUPS', 'x'));
  assert.match(lines[0]?.msg ?? '', /^early drop active: 350 unauthenticated connections in progress \(limits.max_startups start 200, full 500\)/);
  assert.equal(lines[0]?.obj.early_drop_active, true);
  assert.deepEqual(lines[0]?.obj.dropped_total, { per_source: 0, early_drop: 7, full: 0 });
});
