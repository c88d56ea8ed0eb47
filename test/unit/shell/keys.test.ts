import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyDecoder, type Key } from '../../../src/shell/keys.js';

const names = (keys: Key[]): string[] => keys.map((k) => (k.type === 'char' ? k.ch : `<${k.name}>`));

test('control bytes, CSI and SS3 sequences map to named keys', () => {
  const d = new KeyDecoder();
  assert.deepEqual(names(d.feed('\x01\x03\x04\x05\x0b\x0c\x15\x17\x7f\x08\t')),
    ['<ctrl-a>', '<ctrl-c>', '<ctrl-d>', '<ctrl-e>', '<ctrl-k>', '<ctrl-l>', '<ctrl-u>', '<ctrl-w>', '<backspace>', '<backspace>', '<tab>']);
  assert.deepEqual(names(d.feed('\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F\x1bOH\x1bOF\x1b[1~\x1b[4~\x1b[7~\x1b[8~\x1b[3~')),
    ['<up>', '<down>', '<right>', '<left>', '<home>', '<end>', '<home>', '<end>', '<home>', '<end>', '<home>', '<end>', '<delete>']);
  assert.deepEqual(names(d.feed('\x1b[1;5C\x1b[1;3D\x1bb\x1bf\x1bd\x1b\x7f')), ['<word-right>', '<word-left>', '<word-left>', '<word-right>', '<delete-word-forward>', '<delete-word-back>']);
});

test('enter: CR, LF and CRLF each once, even when CRLF is split across reads', () => {
  const d = new KeyDecoder();
  assert.deepEqual(names(d.feed('a\r')), ['a', '<enter>']);
  assert.deepEqual(names(d.feed('\nb\n\r\n')), ['b', '<enter>', '<enter>']);
});

test('bracketed paste markers, unknown sequences and C1 controls are dropped', () => {
  const d = new KeyDecoder();
  assert.deepEqual(names(d.feed('\x1b[200~hi\x1b[201~\x1b[99z\u0085\x00')), ['h', 'i']);
});

test('invalid UTF-8 becomes U+FFFD; valid multi-byte characters split across reads survive', () => {
  const d = new KeyDecoder();
  assert.deepEqual(names(d.feed(Uint8Array.of(0xff))), ['\ufffd']);
  const emoji = Buffer.from('🙂');
  assert.deepEqual(names(d.feed(emoji.subarray(0, 2))), []);
  assert.deepEqual(names(d.feed(emoji.subarray(2))), ['🙂']);
});
