import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { streamPair } from '../../../src/http/stream-pair.js';

test('what one end writes the other reads, in order, with end and backpressure', async () => {
  const [a, b] = streamPair();
  const got: Buffer[] = [];
  b.on('data', (d: Buffer) => got.push(d));
  const chunk = Buffer.alloc(64 * 1024, 1);
  let writes = 0;
  // More than one highWaterMark: write() reports backpressure until the reader drains.
  while (a.write(chunk)) if (++writes > 100) break;
  assert.ok(writes < 100, 'backpressure reached');
  a.end(Buffer.from('tail'));
  await once(b, 'end');
  const all = Buffer.concat(got);
  assert.equal(all.length, (writes + 1) * chunk.length + 4);
  assert.equal(all.subarray(-4).toString(), 'tail');
});

test('both directions at once, and destroying one end closes the other', async () => {
  const [a, b] = streamPair();
  b.write('ping');
  const [d] = await once(a, 'data') as [Buffer];
  assert.equal(d.toString(), 'ping');
  a.write('pong');
  const [e] = await once(b, 'data') as [Buffer];
  assert.equal(e.toString(), 'pong');
  const closed = once(b, 'close');
  a.destroy();
  await closed;
  assert.equal(b.destroyed, true);
});

test('a writer blocked on backpressure is released when the peer is destroyed', async () => {
  const [a, b] = streamPair();
  const big = Buffer.alloc(1024 * 1024);
  const done = new Promise<unknown>((r) => a.write(big, (err) => r(err)));
  a.write(big);
  b.destroy();
  await done;
  assert.ok(a.destroyed || b.destroyed);
});
