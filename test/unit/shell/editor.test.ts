import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineEditor, type EditorOptions } from '../../../src/shell/editor.js';

const KEY = {
  up: '\x1b[A', down: '\x1b[B', right: '\x1b[C', left: '\x1b[D', home: '\x1b[H', end: '\x1b[F',
  home1: '\x1b[1~', end4: '\x1b[4~', homeO: '\x1bOH', endO: '\x1bOF', del: '\x1b[3~',
  ctrlA: '\x01', ctrlE: '\x05', ctrlU: '\x15', ctrlW: '\x17', ctrlK: '\x0b', ctrlL: '\x0c', ctrlC: '\x03', ctrlD: '\x04',
  bs: '\x7f', bsH: '\x08', tab: '\t', enter: '\r', wordLeft: '\x1b[1;5D', wordRight: '\x1b[1;5C', altB: '\x1bb',
};

function editor(options: Partial<EditorOptions> = {}): LineEditor {
  const e = new LineEditor({ prompt: '$ ', columns: 80, ...options });
  e.resume();
  return e;
}

test('resume prints the prompt; typing at the end echoes the characters only', () => {
  const e = new LineEditor({ prompt: 'alice@h:~$ ' });
  assert.equal(e.resume().output, 'alice@h:~$ ');
  const r = e.feed('ls');
  assert.equal(r.output, 'ls');
  assert.deepEqual(r.events, []);
  assert.equal(e.line, 'ls');
});

test('enter submits the line, echoes CRLF and pauses until resume', () => {
  const e = editor();
  const r = e.feed('whoami\r');
  assert.deepEqual(r.events, [{ type: 'line', line: 'whoami' }]);
  assert.ok(r.output.endsWith('\r\n'));
  assert.ok(e.paused);
  // Type-ahead while paused is kept, then replayed after the next prompt.
  assert.deepEqual(e.feed('pwd').output, '');
  const next = e.resume();
  assert.equal(next.output, '$ pwd');
  assert.equal(e.line, 'pwd');
});

test('CR LF, lone LF and lone CR each submit exactly one line', () => {
  const e = editor();
  assert.deepEqual(e.feed('a\r\n').events, [{ type: 'line', line: 'a' }]);
  assert.deepEqual(e.resume().events, []);
  assert.deepEqual(e.feed('b\n').events, [{ type: 'line', line: 'b' }]);
  assert.deepEqual(e.resume().events, []);
  e.feed('c\r');
  const r = e.resume();
  assert.deepEqual(r.events, []);
  assert.equal(e.line, '');
});

test('several lines pasted at once come out one per resume', () => {
  const e = editor();
  assert.deepEqual(e.feed('one\rtwo\rthree\r').events, [{ type: 'line', line: 'one' }]);
  assert.deepEqual(e.resume().events, [{ type: 'line', line: 'two' }]);
  assert.deepEqual(e.resume().events, [{ type: 'line', line: 'three' }]);
  assert.deepEqual(e.resume().events, []);
});

test('left/right, Home/End (all encodings), Ctrl-A/E move the cursor; inserting mid-line redraws', () => {
  const e = editor();
  e.feed('helo');
  e.feed(KEY.left);
  assert.equal(e.cursor, 3);
  const r = e.feed('l');
  assert.equal(e.line, 'hello');
  assert.equal(e.cursor, 4);
  assert.match(r.output, /\r\x1b\[J\$ hello/);
  for (const home of [KEY.home, KEY.home1, KEY.homeO, KEY.ctrlA]) {
    e.feed(KEY.end);
    e.feed(home);
    assert.equal(e.cursor, 0, JSON.stringify(home));
  }
  for (const end of [KEY.end, KEY.end4, KEY.endO, KEY.ctrlE]) {
    e.feed(KEY.home);
    e.feed(end);
    assert.equal(e.cursor, 5, JSON.stringify(end));
  }
  e.feed(KEY.right);
  assert.equal(e.cursor, 5, 'right at the end stays');
  e.feed(KEY.home + KEY.left);
  assert.equal(e.cursor, 0, 'left at the start stays');
});

test('backspace (DEL and ^H) and Delete remove around the cursor', () => {
  const e = editor();
  e.feed('abcd');
  e.feed(KEY.bs);
  assert.equal(e.line, 'abc');
  e.feed(KEY.bsH);
  assert.equal(e.line, 'ab');
  e.feed(KEY.home + KEY.del);
  assert.equal(e.line, 'b');
  e.feed(KEY.home + KEY.bs);
  assert.equal(e.line, 'b', 'backspace at column 0 does nothing');
});

test('Ctrl-U kills to the start, Ctrl-K to the end, Ctrl-W the previous word', () => {
  const e = editor();
  e.feed('show connections now');
  e.feed(KEY.ctrlW);
  assert.equal(e.line, 'show connections ');
  e.feed(KEY.ctrlW);
  assert.equal(e.line, 'show ');
  e.feed('status');
  e.feed(KEY.left.repeat(3) + KEY.ctrlU);
  assert.equal(e.line, 'tus');
  assert.equal(e.cursor, 0);
  e.feed(KEY.right + KEY.ctrlK);
  assert.equal(e.line, 't');
});

test('word motion with Ctrl-arrows and Alt-b', () => {
  const e = editor();
  e.feed('bookmark add web');
  e.feed(KEY.wordLeft);
  assert.equal(e.cursor, 13);
  e.feed(KEY.altB);
  assert.equal(e.cursor, 9);
  e.feed(KEY.wordRight);
  assert.equal(e.cursor, 12);
});

test('Ctrl-L clears the screen and redraws prompt and line', () => {
  const e = editor();
  e.feed('echo hi');
  const r = e.feed(KEY.ctrlL);
  assert.ok(r.output.startsWith('\x1b[H\x1b[2J'));
  assert.match(r.output, /\$ echo hi/);
  assert.equal(e.line, 'echo hi');
});

test('Ctrl-C abandons the line, prints ^C and a fresh prompt, without an event', () => {
  const e = editor();
  e.feed('rm -rf');
  const r = e.feed(KEY.ctrlC);
  assert.deepEqual(r.events, []);
  assert.match(r.output, /\^C\r\n\$ $/);
  assert.equal(e.line, '');
  assert.deepEqual(e.history, []);
});

test('Ctrl-D on an empty line is end of input; on a non-empty line it deletes under the cursor', () => {
  const e = editor();
  e.feed('ab' + KEY.home);
  assert.deepEqual(e.feed(KEY.ctrlD).events, []);
  assert.equal(e.line, 'b');
  e.feed(KEY.ctrlU + KEY.end + KEY.bs);
  assert.deepEqual(e.feed(KEY.ctrlD).events, [{ type: 'eof' }]);
  assert.ok(e.paused);
});

test('history: up/down recall, the draft comes back, blank and repeated lines are not stored', () => {
  const e = editor({ history: ['old'] });
  for (const l of ['one', 'two', 'two', '  ']) { e.feed(l + '\r'); e.resume(); }
  assert.deepEqual(e.history, ['old', 'one', 'two']);
  e.feed('dra');
  e.feed(KEY.up);
  assert.equal(e.line, 'two');
  e.feed(KEY.up + KEY.up);
  assert.equal(e.line, 'old');
  const bell = e.feed(KEY.up);
  assert.equal(bell.output, '\x07');
  e.feed(KEY.down + KEY.down + KEY.down);
  assert.equal(e.line, 'dra');
  assert.equal(e.feed('\x10').output.includes('two'), true, 'Ctrl-P is up');
});

test('history is capped at historyMax', () => {
  const e = editor({ historyMax: 3 });
  for (let i = 0; i < 10; i++) { e.feed(`c${i}\r`); e.resume(); }
  assert.deepEqual(e.history, ['c7', 'c8', 'c9']);
});

test('UTF-8 split across feeds at every byte boundary still yields the right characters', () => {
  const text = 'é世🙂a';
  const bytes = Buffer.from(text + '\r');
  for (let cut = 1; cut < bytes.length; cut++) {
    const e = editor();
    e.feed(bytes.subarray(0, cut));
    const r = e.feed(bytes.subarray(cut));
    assert.deepEqual(r.events, [{ type: 'line', line: text }], `cut at ${cut}`);
  }
  // One byte at a time, too.
  const e = editor();
  let events: unknown[] = [];
  for (const b of bytes) events = [...events, ...e.feed(Uint8Array.of(b)).events];
  assert.deepEqual(events, [{ type: 'line', line: text }]);
});

test('escape sequences split across feeds are still understood', () => {
  const e = editor();
  e.feed('ab');
  e.feed('\x1b');
  e.feed('[');
  e.feed('D');
  assert.equal(e.cursor, 1);
  e.feed('\x1b[1;');
  e.feed('5D');
  assert.equal(e.cursor, 0);
});

test('wide characters move the terminal cursor two columns', () => {
  const e = editor();
  e.feed('世界x' + KEY.left + KEY.left);
  // prompt 2 columns + one wide char = column 4
  const r = e.feed(KEY.right);
  assert.equal(e.cursor, 2);
  assert.equal(r.output, '\r\x1b[6C');
});

test('a line is capped at 4096 bytes: the character that would pass it rings the bell', () => {
  const e = editor();
  const r = e.feed('x'.repeat(4096));
  assert.equal(e.line.length, 4096);
  assert.ok(!r.output.includes('\x07'));
  assert.equal(e.feed('y').output, '\x07');
  assert.equal(e.line.length, 4096);
  const w = editor();
  w.feed('é'.repeat(2048));
  assert.equal(w.feed('é').output, '\x07', 'multi-byte characters count in bytes');
});

test('unknown escapes, stray controls and overlong sequences are ignored', () => {
  const e = editor();
  e.feed('a\x1b[99~\x1b[200~b\x1b[201~\x00\x07c\x1b[' + '1'.repeat(100) + 'd');
  assert.equal(e.line, 'abc');
});

test('tab completes a unique candidate with a space, a common prefix, lists ambiguous ones', () => {
  const complete = (before: string): string[] => {
    if (!before.includes(' ')) return ['show', 'shout', 'status'].filter((c) => c.startsWith(before));
    return ['status', 'connections'];
  };
  const e = editor({ complete });
  e.feed('st\t');
  assert.equal(e.line, 'status ');
  e.feed(KEY.ctrlU + 'sh\t');
  assert.equal(e.line, 'sho');
  const r = e.feed('\t');
  assert.match(r.output, /\r\nshout +show\r\n\r\x1b\[J\$ sho/);
  assert.equal(e.line, 'sho');
  e.feed('w co\t');
  assert.equal(e.line, 'show connections ');
  assert.equal(editor({ complete }).feed('zz\t').output, 'zz\x07');
});

test('without a completer, tab does nothing', () => {
  const e = editor();
  assert.equal(e.feed('ab\t').output, 'ab');
  assert.equal(e.line, 'ab');
});

test('long lines wrap: the cursor is moved across rows and the redraw starts at the prompt row', () => {
  const e = editor({ columns: 10 });
  e.feed('abcdefgh'); // prompt 2 + 8 = 10: exactly at the margin
  const r = e.feed('i');
  assert.equal(e.line, 'abcdefghi');
  assert.equal(r.output, 'i');
  const home = e.feed(KEY.home);
  assert.equal(home.output, '\x1b[1A\r\x1b[2C');
  const redraw = e.feed('X');
  assert.ok(redraw.output.startsWith('\r\x1b[J$ Xabcdefghi'), JSON.stringify(redraw.output));
  e.setColumns(40);
  assert.equal(e.feed(KEY.end).output, '\r\x1b[12C');
});

test('printAbove clears the line, prints the message and redraws what was typed', () => {
  const e = editor();
  e.feed('sho');
  const out = e.printAbove('[Broadcast] hi\r\n');
  assert.equal(out, '\r\x1b[J[Broadcast] hi\r\n\r\x1b[J$ sho\r\x1b[5C');
  e.feed('w\r');
  assert.equal(e.printAbove('x\r\n'), 'x\r\n', 'while paused the message is printed as is');
});

test('discardPending drops type-ahead', () => {
  const e = editor();
  e.feed('a\rtypeahead');
  e.discardPending();
  e.resume();
  assert.equal(e.line, '');
});
