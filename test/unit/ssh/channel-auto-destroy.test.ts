// The autoDestroy switch on forwarded channels, and a canary on the Node and ssh2 internals it relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
import { disableAutoDestroy } from '../../../src/ssh/channel-auto-destroy.js';

function duplexBothEnded(stream: Duplex): Promise<void> {
  stream.on('data', () => undefined);
  stream.push(null);
  stream.end();
  return new Promise((resolve) => { stream.once('finish', () => setImmediate(resolve)); });
}

const plainDuplex = (): Duplex => new Duplex({ read() { /* pushed by the test */ }, write(_c, _e, cb) { cb(); } });

test('ssh2 channels are Node Duplex streams (what the canary below relies on)', () => {
  const { Channel } = createRequire(import.meta.url)('ssh2/lib/Channel.js') as { Channel: { prototype: object } };
  assert.ok(Channel.prototype instanceof Duplex);
});

test('canary: a Duplex keeps autoDestroy on _readableState and _writableState', () => {
  const s = plainDuplex() as unknown as { _readableState?: { autoDestroy?: unknown }; _writableState?: { autoDestroy?: unknown } };
  assert.equal(s._readableState?.autoDestroy, true, 'Node moved _readableState.autoDestroy: turn fast_paths.ssh_channel_single_destroy off');
  assert.equal(s._writableState?.autoDestroy, true, 'Node moved _writableState.autoDestroy: turn fast_paths.ssh_channel_single_destroy off');
});

test('cleared: both directions done, the stream is not destroyed by Node (the relay does it once)', async () => {
  const s = plainDuplex();
  assert.equal(disableAutoDestroy(s), true);
  await duplexBothEnded(s);
  assert.equal(s.destroyed, false);
});

test('left alone (switch off): Node destroys the stream itself once both directions are done', async () => {
  const s = plainDuplex();
  await duplexBothEnded(s);
  assert.equal(s.destroyed, true);
});

test('a stream without the internal fields is left alone and reported', () => {
  const fake = {} as Duplex;
  assert.equal(disableAutoDestroy(fake), false);
});
