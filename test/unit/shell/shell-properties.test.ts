/** Property tests (fast-check) over the pure parts: arbitrary input never throws and stays bounded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineEditor } from '../../../src/shell/editor.js';
import { tokenize, MAX_LINE_BYTES } from '../../../src/shell/tokenizer.js';
import { renderMotd } from '../../../src/shell/motd.js';
import { shellPermissionsSchema } from '../../../src/config/schema.js';
import { T0 } from './shell-fixtures.js';

function linesOf(editor: LineEditor, chunks: readonly Uint8Array[]): string[] {
  const lines: string[] = [];
  const take = (events: readonly { type: string; line?: string }[]): void => {
    for (const e of events) if (e.type === 'line') lines.push(e.line!);
  };
  for (const c of chunks) {
    take(editor.feed(c).events);
    // Resume after every submitted line, as the session does, bounded in count.
    for (let i = 0; i < 1000 && editor.paused; i++) take(editor.resume().events);
  }
  return lines;
}

test('tokenize never throws and either fails with a message or returns bounded words', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 6000 }), (s) => {
    const r = tokenize(s);
    if (r.ok) for (const w of r.words) assert.ok(Buffer.byteLength(w) <= MAX_LINE_BYTES);
    else assert.ok(r.error.length > 0);
  }), { numRuns: 500 });
});

test('editor: any bytes, split anywhere, give the same lines as one feed; lines never exceed 4096 bytes', () => {
  const keyish = fc.oneof(
    fc.constantFrom('\r', '\n', '\x7f', '\x03', '\x15', '\x17', '\x0b', '\x01', '\x05', '\x1b[A', '\x1b[B', '\x1b[C', '\x1b[D', '\x1b[3~', '\t', 'é', '世', '🙂'),
    fc.string({ maxLength: 8 }),
  );
  fc.assert(fc.property(fc.array(keyish, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), (keys, cuts) => {
    // Ctrl-D on an empty line would end the session; keep it out of the comparison.
    const bytes = Buffer.from(keys.join('').replace(/\x04/g, ''));
    const whole = new LineEditor({ prompt: '$ ', columns: 20 });
    whole.resume();
    const expected = linesOf(whole, [bytes]);
    const points = [...new Set(cuts.map((c) => (bytes.length ? c % bytes.length : 0)))].sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let prev = 0;
    for (const p of points) { chunks.push(bytes.subarray(prev, p)); prev = p; }
    chunks.push(bytes.subarray(prev));
    const split = new LineEditor({ prompt: '$ ', columns: 20 });
    split.resume();
    assert.deepEqual(linesOf(split, chunks), expected);
    for (const l of expected) assert.ok(Buffer.byteLength(l) <= MAX_LINE_BYTES);
  }), { numRuns: 300 });
});

test('renderMotd never lets a control character other than newline through with colours off', () => {
  const perms = shellPermissionsSchema.parse({});
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 40 }), (template, user) => {
    const out = renderMotd(template, {
      user, hostname: 'h', authMethod: 'password', sourceIp: user, connections: 0, aclPolicy: 'allow', allowed: [user], denied: [],
      expiresAt: undefined, bandwidthUsed: 0, bandwidthLimitKbps: 0, lastLogin: undefined, uptimeSecs: 0, version: '1', group: user, role: 'user', now: T0,
    }, { colors: false, permissions: perms });
    assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f]/);
  }), { numRuns: 300 });
});
