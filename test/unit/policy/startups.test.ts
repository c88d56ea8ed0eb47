import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideStartup, dropPercent, parseMaxStartups, sourceBlock, type StartupsPolicy } from '../../../src/policy/startups.js';

const openssh: StartupsPolicy = { start: 10, rate: 30, full: 100, perSource: 0 };

test('max_startups parses OpenSSH forms and explains the rest', () => {
  assert.deepEqual(parseMaxStartups('10:30:100'), { start: 10, rate: 30, full: 100 });
  assert.deepEqual(parseMaxStartups('50'), { start: 50, rate: 100, full: 50 });
  assert.deepEqual(parseMaxStartups('0'), { start: 0, rate: 100, full: 0 });
  assert.deepEqual(parseMaxStartups(' 5:100:5 '), { start: 5, rate: 100, full: 5 });
  assert.match(String(parseMaxStartups('10:30')), /start:rate:full/);
  assert.match(String(parseMaxStartups('ten')), /start:rate:full/);
  assert.match(String(parseMaxStartups('-1')), /start:rate:full/);
  assert.match(String(parseMaxStartups('0:30:100')), /start must be at least 1/);
  assert.match(String(parseMaxStartups('10:0:100')), /rate 0 must be a percentage from 1 to 100/);
  assert.match(String(parseMaxStartups('10:101:100')), /rate 101/);
  assert.match(String(parseMaxStartups('100:30:10')), /full 10 must not be smaller than start 100/);
});

test('drop chance follows OpenSSH: 0 below start, rate at start, linear to 100 at full', () => {
  assert.equal(dropPercent(openssh, 9), 0);
  assert.equal(dropPercent(openssh, 10), 30);
  assert.equal(dropPercent(openssh, 55), 65);
  assert.equal(dropPercent(openssh, 99), 30 + (70 * 89) / 90);
  assert.equal(dropPercent(openssh, 100), 100);
  assert.equal(dropPercent(openssh, 5000), 100);
  assert.equal(dropPercent({ ...openssh, start: 0 }, 5000), 0, 'no total budget');
  assert.equal(dropPercent({ start: 20, rate: 100, full: 20, perSource: 0 }, 19), 0);
  assert.equal(dropPercent({ start: 20, rate: 100, full: 20, perSource: 0 }, 20), 100);
});

test('decideStartup: the draw is compared with the drop chance at exactly the boundary', () => {
  // At start the chance is 30%: draws below 0.30 drop, 0.30 and above pass.
  assert.deepEqual(decideStartup(openssh, 10, 0, 0.2999), { admit: false, reason: 'early_drop' });
  assert.deepEqual(decideStartup(openssh, 10, 0, 0.30), { admit: true });
  assert.deepEqual(decideStartup(openssh, 9, 0, 0), { admit: true }, 'below start nothing is dropped, whatever the draw');
  assert.deepEqual(decideStartup(openssh, 100, 0, 0.999), { admit: false, reason: 'full' });
  assert.deepEqual(decideStartup(openssh, 99, 0, 0.999), { admit: true }, 'just under full, a high draw still passes');
  assert.deepEqual(decideStartup({ ...openssh, start: 0, full: 0 }, 1_000_000, 0, 0), { admit: true }, '"0": no total budget');
});

test('decideStartup: per-source budget first, at exactly the limit and one under', () => {
  const p: StartupsPolicy = { ...openssh, perSource: 3 };
  assert.deepEqual(decideStartup(p, 0, 2, 0.99), { admit: true });
  assert.deepEqual(decideStartup(p, 0, 3, 0.99), { admit: false, reason: 'per_source' });
  assert.deepEqual(decideStartup(p, 100, 3, 0.99), { admit: false, reason: 'per_source' }, 'per_source is reported before full');
  assert.deepEqual(decideStartup({ ...p, perSource: 0 }, 0, 1_000_000, 0.99), { admit: true }, '0 = no per-source budget');
});

test('over many draws the admitted share matches the curve', () => {
  let admitted = 0;
  const n = 10_000;
  for (let i = 0; i < n; i++) if (decideStartup(openssh, 55, 0, (i + 0.5) / n).admit) admitted++;
  assert.equal(admitted, 3500, 'a 65% drop chance admits 35% of evenly spread draws');
});

test('sources are counted per IPv4 address and per IPv6 /64', () => {
  assert.equal(sourceBlock('192.0.2.7'), '192.0.2.7');
  assert.equal(sourceBlock('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(sourceBlock('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.notEqual(sourceBlock('2001:db8:1:3::1'), sourceBlock('2001:db8:1:2::1'));
  assert.equal(sourceBlock('not an ip'), 'not an ip');
});
