import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { isClosedPipeError, pipeWriter } from '../../../src/cli/closed-pipe.js';

function sink(): { stream: Writable; chunks: string[] } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { chunks.push(chunk.toString()); cb(); } });
  return { stream, chunks };
}

test('after EPIPE the writer drops text quietly instead of raising an unhandled error', () => {
  const { stream, chunks } = sink();
  const write = pipeWriter(stream);
  write('one\n');
  assert.equal(write.closed(), false);
  stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  assert.equal(write.closed(), true);
  write('two\n');
  assert.deepEqual(chunks, ['one\n']);
});

test('other stream errors are not swallowed', () => {
  const { stream } = sink();
  pipeWriter(stream);
  assert.throws(() => stream.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' })), /disk full/);
});

test('isClosedPipeError: EPIPE and a destroyed stream, nothing else', () => {
  assert.equal(isClosedPipeError({ code: 'EPIPE' }), true);
  assert.equal(isClosedPipeError({ code: 'ERR_STREAM_DESTROYED' }), true);
  assert.equal(isClosedPipeError({ code: 'ENOSPC' }), false);
  assert.equal(isClosedPipeError(null), false);
});
