import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { MAX_PASSWORD_BYTES, readOneLine } from '../../../src/cli/password-input.js';

function feed(...chunks: string[]): PassThrough {
  const s = new PassThrough();
  for (const c of chunks) s.write(c);
  s.end();
  return s;
}

test('reads the first line, split across chunks, without CR/LF', async () => {
  assert.equal(await readOneLine(feed('pass', 'word\r\nnext\n')), 'password');
});

test('a last line without newline is accepted; empty input is refused', async () => {
  assert.equal(await readOneLine(feed('only')), 'only');
  await assert.rejects(readOneLine(feed()), /no password on stdin/);
});

test('password length limit: exactly at the limit accepted, one byte past refused', async () => {
  assert.equal((await readOneLine(feed(`${'a'.repeat(MAX_PASSWORD_BYTES)}\n`))).length, MAX_PASSWORD_BYTES);
  await assert.rejects(readOneLine(feed('a'.repeat(MAX_PASSWORD_BYTES + 1))), /longer than 4096 bytes/);
});
