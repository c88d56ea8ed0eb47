import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatKbps, formatLimit, formatTimestamp } from '../../../src/shell/units.js';
import { joinHostPort } from '../../../src/host-port.js';
import { parseTarget } from '../../../src/shell/commands/target.js';
import { codePointWidth, stringWidth } from '../../../src/shell/char-width.js';
import { LineReader } from '../../../src/shell/line-reader.js';

test('bytes, limits and rates in human units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.0 KiB');
  assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB');
  assert.equal(formatBytes(-1), '0 B');
  assert.equal(formatLimit(0), 'unlimited');
  assert.equal(formatKbps(0), 'unlimited');
  assert.equal(formatKbps(100), '100 kbit/s');
  assert.equal(formatKbps(10240), '10 Mbit/s');
});

test('durations and timestamps', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(59.9), '59s');
  assert.equal(formatDuration(61), '1m 1s');
  assert.equal(formatDuration(3660), '1h 1m');
  assert.equal(formatDuration(90061), '1d 1h 1m');
  assert.equal(formatTimestamp(Date.parse('2026-06-30T23:59:59.123Z')), '2026-06-30T23:59:59Z');
});

test('targets: host:port, [v6]:port, defaults and precise errors', () => {
  assert.deepEqual(parseTarget('example.com:443'), { host: 'example.com', port: 443 });
  assert.deepEqual(parseTarget('[::1]:22'), { host: '::1', port: 22 });
  assert.deepEqual(parseTarget('2001:db8::1', 80), { host: '2001:db8::1', port: 80 });
  assert.deepEqual(parseTarget('example.com', 80), { host: 'example.com', port: 80 });
  assert.equal(parseTarget('example.com'), 'missing port (expected host:port)');
  assert.equal(parseTarget('example.com:65536'), "invalid port '65536' (expected 1-65535)");
  assert.equal(parseTarget('example.com:1'.replace('1', '0')), "invalid port '0' (expected 1-65535)");
  assert.equal(parseTarget('-bad-.com:1'), "invalid host '-bad-.com'");
  assert.equal(parseTarget('a'.repeat(301)), 'target too long');
  assert.equal(joinHostPort('::1', 22), '[::1]:22');
});

test('display widths: ASCII 1, CJK and emoji 2, combining marks 0', () => {
  assert.equal(codePointWidth(0x41), 1);
  assert.equal(codePointWidth(0x4e16), 2);
  assert.equal(codePointWidth(0x1f642), 2);
  assert.equal(codePointWidth(0x0301), 0);
  assert.equal(stringWidth('a世🙂e\u0301'), 6);
});

test('LineReader: LF, CR and CRLF lines, split chunks, overlong lines skipped to their newline', () => {
  const lines: string[] = [];
  const errors: string[] = [];
  const r = new LineReader((l) => lines.push(l), (e) => errors.push(e));
  r.feed(Buffer.from('one\r\ntw'));
  r.feed(Buffer.from('o\n'));
  const euro = Buffer.from('€\n');
  r.feed(euro.subarray(0, 1));
  r.feed(euro.subarray(1));
  r.feed(Buffer.from('x'.repeat(4097)));
  r.feed(Buffer.from('yyy\nafter\nlast'));
  r.end();
  assert.deepEqual(lines, ['one', 'two', '€', 'after', 'last']);
  assert.deepEqual(errors, ['line too long (max 4096 bytes), ignored']);
  const raw: string[] = [];
  const cr = new LineReader((l) => raw.push(l), () => assert.fail('no error'));
  // A raw channel (paramiko invoke_shell without a pty) sends CR; CRLF split across reads is one end.
  cr.feed(Buffer.from('a\rb\r'));
  cr.feed(Buffer.from('\nc\r\r\nd'));
  cr.feed(Buffer.from('\r'));
  cr.feed(Buffer.from('e\n\n'));
  cr.end();
  assert.deepEqual(raw, ['a', 'b', 'c', '', 'd', 'e', '']);
  const exact: string[] = [];
  new LineReader((l) => exact.push(l), () => assert.fail('4096 bytes is allowed')).feed(Buffer.from('z'.repeat(4096) + '\n'));
  assert.equal(exact[0]!.length, 4096);
});
