import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkChanges, decodeEnvelope, encodeEnvelope, MAX_CHANGES_PER_MESSAGE, MAX_MESSAGE_BYTES, type StateChange } from '../../../src/cluster/messages.js';

const all: StateChange[] = [
  { t: 'ban', ip: '10.0.0.1', a: 1, e: 2, r: 'x' },
  { t: 'unban', ip: '10.0.0.1', a: 3, e: 4 },
  { t: 'fail', ip: '10.0.0.2', at: [5, 6] },
  { t: 'rep', ip: '10.0.0.3', p: -5, at: 7, f: 0 },
  { t: 'rep-set', ip: '10.0.0.3', s: 12.5, u: 8, f: 1 },
  { t: 'rep-reset', ip: '10.0.0.3' },
];

test('every change kind round-trips with its node', () => {
  const d = decodeEnvelope(encodeEnvelope('node-a', all));
  assert.ok(d.ok);
  assert.deepEqual(d.envelope, { node: 'node-a', changes: all });
});

test('malformed envelopes are refused whole with the path of the first problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['not json', /not JSON/],
    ['{"v":2,"n":"a","c":[]}', /^v:/],
    ['{"v":1,"n":"","c":[]}', /^n:/],
    ['{"v":1,"n":"a","c":[{"t":"nuke","ip":"1"}]}', /^c\.0/],
    ['{"v":1,"n":"a","c":[{"t":"fail","ip":"1","at":[]}]}', /^c\.0\.at/],
    ['{"v":1,"n":"a","c":[{"t":"ban","ip":"1","a":1,"e":2,"r":"x","extra":1}]}', /^c\.0/],
    ['{"v":1,"n":"a","c":[{"t":"rep","ip":"1","p":1,"at":-1,"f":0}]}', /^c\.0\.at/],
  ];
  for (const [text, error] of cases) {
    const d = decodeEnvelope(text);
    assert.equal(d.ok, false, text);
    if (!d.ok) assert.match(d.error, error, text);
  }
});

test('size limits: exactly the change cap passes, one more is refused; oversized text is refused before parsing', () => {
  const change: StateChange = { t: 'rep-reset', ip: '1' };
  assert.equal(decodeEnvelope(encodeEnvelope('a', Array(MAX_CHANGES_PER_MESSAGE).fill(change))).ok, true);
  assert.equal(decodeEnvelope(encodeEnvelope('a', Array(MAX_CHANGES_PER_MESSAGE + 1).fill(change))).ok, false);
  const big = decodeEnvelope(' '.repeat(MAX_MESSAGE_BYTES + 1));
  assert.ok(!big.ok && /exceeds/.test(big.error));
});

test('chunks stay within the cap and keep order', () => {
  const changes: StateChange[] = Array.from({ length: 5 }, (_, i) => ({ t: 'rep-reset', ip: String(i) }));
  assert.deepEqual(chunkChanges(changes, 2).map((c) => c.map((x) => (x.t === 'rep-reset' ? x.ip : ''))), [['0', '1'], ['2', '3'], ['4']]);
  assert.deepEqual(chunkChanges([], 2), []);
});
