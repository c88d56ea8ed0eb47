import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leastLoaded } from '../../../src/gate/workers.js';

test('leastLoaded: fewest open first, ties from the rotating start, -1 when there is none', () => {
  assert.equal(leastLoaded([], 0), -1);
  assert.equal(leastLoaded([3, 1, 2], 0), 1);
  assert.equal(leastLoaded([1, 1], 0), 0);
  assert.equal(leastLoaded([1, 1], 1), 1);
  assert.equal(leastLoaded([0, 0, 0], 5), 2);
  // 4 simultaneous connections, each counted as open as soon as it is handed off: 2/2 whatever the start.
  for (const start of [0, 1]) {
    const open = [0, 0];
    for (let i = 0; i < 4; i++) open[leastLoaded(open, start + i)]! += 1;
    assert.deepEqual(open, [2, 2]);
  }
});
