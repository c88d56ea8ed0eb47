import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineBuffer } from '../../../src/shell/line-buffer.js';

test('bytes and columns follow every edit', () => {
  const b = new LineBuffer();
  b.insert('a世🙂');
  assert.deepEqual([b.text, b.length, b.bytes, b.width, b.cursor], ['a世🙂', 3, 1 + 3 + 4, 5, 3]);
  b.moveTo(1);
  b.insert('é');
  assert.deepEqual([b.text, b.bytes, b.width, b.cursor], ['aé世🙂', 10, 6, 2]);
  assert.equal(b.delete(2, 3), true);
  assert.deepEqual([b.text, b.bytes, b.width, b.cursor], ['aé🙂', 7, 4, 2]);
  assert.equal(b.delete(5, 9), false);
  b.set([...'xyz']);
  assert.deepEqual([b.text, b.bytes, b.width, b.cursor], ['xyz', 3, 3, 3]);
});

test('widthBefore walks from the last answer and stays right after edits', () => {
  const b = new LineBuffer();
  b.set([...'世a世b']);
  assert.equal(b.widthBefore(4), 6);
  assert.equal(b.widthBefore(3), 5);
  assert.equal(b.widthBefore(1), 2);
  b.moveTo(0);
  b.insert('z');
  assert.equal(b.widthBefore(2), 3, 'an edit invalidates the memo');
});

test('moveTo clamps; word boundaries skip spaces first', () => {
  const b = new LineBuffer();
  b.set([...'show  conn now']);
  assert.equal(b.moveTo(99), false, 'already at the end');
  assert.equal(b.moveTo(-5), true);
  assert.equal(b.cursor, 0);
  assert.equal(b.wordStart(11), 6);
  assert.equal(b.wordStart(6), 0);
  assert.equal(b.wordEnd(4), 10);
  assert.equal(b.textBeforeCursor(), '');
});
