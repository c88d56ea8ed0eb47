import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, formatUtc, goLogPrefix, goQuote, parseGoDuration, sanitizeDisplay, tabwrite } from '../../../src/gate/go-format.js';
import { formatList } from '../../../src/gate/commands/manage.js';

test('goQuote escapes like Go %q so idents cannot inject into logs', () => {
  assert.equal(goQuote('SSH-2.0-OpenSSH_9.7'), '"SSH-2.0-OpenSSH_9.7"');
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('x\r\n\t\x1b[31m\x7f'), '"x\\r\\n\\t\\x1b[31m\\x7f"');
  assert.equal(goQuote('caf\u00e9 \u4e16'), '"caf\u00e9 \u4e16"');
  assert.equal(goQuote('\u200b\ufffd'), '"\\u200b\\ufffd"');
});

test('durations parse and print like Go', () => {
  assert.equal(parseGoDuration('2m'), 120_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('300ms'), 300);
  assert.equal(parseGoDuration('0'), 0);
  assert.throws(() => parseGoDuration('5'), /missing unit/);
  assert.throws(() => parseGoDuration('5x'), /unknown unit/);
  assert.throws(() => parseGoDuration(''), /invalid duration/);
  assert.equal(formatGoDuration(120_000), '2m0s');
  assert.equal(formatGoDuration(300_000), '5m0s');
  assert.equal(formatGoDuration(5_400_000), '1h30m0s');
  assert.equal(formatGoDuration(1500), '1.5s');
  assert.equal(formatGoDuration(10_000), '10s');
  assert.equal(formatGoDuration(500), '500ms');
  assert.equal(formatGoDuration(0), '0s');
});

test('timestamps: log prefix in local time, list times in UTC, zero time as -', () => {
  const ms = new Date(2026, 0, 2, 3, 4, 5).getTime();
  assert.equal(goLogPrefix(ms), '2026/01/02 03:04:05 ');
  assert.equal(formatUtc(Date.parse('2026-01-02T03:04:05.9Z')), '2026-01-02 03:04:05');
  assert.equal(formatUtc(null), '-');
});

test('sanitizeDisplay: whitespace controls to spaces, other controls to U+FFFD', () => {
  assert.equal(sanitizeDisplay('a\tb\nc\rd\x1b[0m\x00\u0085'), 'a b c d\ufffd[0m\ufffd\ufffd');
});

test('tabwriter pads all but the last column to width + 2', () => {
  assert.equal(tabwrite([['A', 'BB', 'C'], ['aaa', 'b', 'c']]), 'A    BB  C\naaa  b   c\n');
});

test('list prints the original table: header always, dashes for empty fields', () => {
  assert.equal(formatList([], false), 'FINGERPRINT  STATUS  LABEL  FIRST_SEEN  LAST_SEEN  IPS\n');
  const out = formatList([{
    fingerprint: '2edbc78717d7f7d5c4c7e3a0bca94ef7', status: 'approved', label: '', firstSeen: Date.parse('2026-01-02T03:04:05Z'),
    lastSeen: Date.parse('2026-01-03T03:04:05Z'), count: 3, hassh: '', clientId: 'SSH-2.0-x\x1b', raw: 'a;b', kex: '', hostKey: '',
    cipherC2S: '', cipherS2C: '', macC2S: '', macS2C: '', compressC2S: '', compressS2C: '', firstKexGuess: false,
    ips: ['192.0.2.1', '192.0.2.2'],
  }], true);
  assert.equal(out,
    'FINGERPRINT                       STATUS    LABEL  FIRST_SEEN           LAST_SEEN            IPS                  CLIENT      RAW\n' +
    '2edbc78717d7f7d5c4c7e3a0bca94ef7  approved  -      2026-01-02 03:04:05  2026-01-03 03:04:05  192.0.2.1,192.0.2.2  SSH-2.0-x\ufffd  a;b\n');
});
