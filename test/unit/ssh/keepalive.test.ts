import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepaliveOptions } from '../../../src/ssh/keepalive.js';

test('keepalive: seconds to ms; 0 disables', () => {
  assert.deepEqual(keepaliveOptions(15, 3), { keepaliveInterval: 15000, keepaliveCountMax: 3 });
  assert.equal(keepaliveOptions(0, 3).keepaliveInterval, 2 ** 31 - 1);
  assert.equal(keepaliveOptions(15, 0).keepaliveInterval, 2 ** 31 - 1);
});
