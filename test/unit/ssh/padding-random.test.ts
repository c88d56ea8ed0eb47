// The pooled crypto.randomFillSync that ssh2's packet padding uses: same contract as the original.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { installPooledRandomFill } from '../../../src/ssh/padding-random.js';

const require = createRequire(import.meta.url);
const crypto = require('node:crypto') as typeof import('node:crypto');

test('installed on the CommonJS crypto object that ssh2 reads', () => {
  installPooledRandomFill();
  assert.equal((crypto as unknown as Record<symbol, unknown>)[Symbol.for('sks5.pooledRandomFill')], true);
  // Installing twice keeps the first wrapper (no wrapper around a wrapper).
  const fn = crypto.randomFillSync;
  installPooledRandomFill();
  assert.equal(crypto.randomFillSync, fn);
});

test('fills exactly the requested range and returns the buffer', () => {
  const buf = Buffer.alloc(64, 0xaa);
  assert.equal(crypto.randomFillSync(buf, 5, 8), buf);
  assert.deepEqual(buf.subarray(0, 5), Buffer.alloc(5, 0xaa));
  assert.deepEqual(buf.subarray(13), Buffer.alloc(51, 0xaa));
  assert.notDeepEqual(buf.subarray(5, 13), Buffer.alloc(8, 0xaa));
});

test('never hands out the same bytes twice (20 000 draws of 8 bytes, across block refills)', () => {
  const seen = new Set<string>();
  const buf = Buffer.alloc(8);
  for (let i = 0; i < 20_000; i++) seen.add(crypto.randomFillSync(buf, 0, 8).toString('hex'));
  assert.equal(seen.size, 20_000);
});

test('bytes look uniform: every value appears, none dominates (chi-square bound)', () => {
  const counts = new Array<number>(256).fill(0);
  const buf = Buffer.alloc(16);
  for (let i = 0; i < 16_384; i++) for (const b of crypto.randomFillSync(buf)) counts[b]! += 1;
  const expected = (16_384 * 16) / 256;
  const chi = counts.reduce((s, c) => s + ((c - expected) ** 2) / expected, 0);
  // 255 degrees of freedom: the 99.99th percentile is about 360.
  assert.ok(chi < 360, `chi-square ${chi.toFixed(1)}`);
});

test('large sizes and other targets still work; bad arguments fail like the original', () => {
  const big = crypto.randomFillSync(Buffer.alloc(10_000));
  assert.ok(big.some((b) => b !== 0));
  const view = crypto.randomFillSync(new DataView(new ArrayBuffer(32)));
  assert.equal(view.byteLength, 32);
  assert.throws(() => crypto.randomFillSync(Buffer.alloc(8), 4, 8), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => crypto.randomFillSync(Buffer.alloc(8), -1, 2), { code: 'ERR_OUT_OF_RANGE' });
});
