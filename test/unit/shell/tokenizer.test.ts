import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_LINE_BYTES, MAX_WORDS, quoteWord, tokenize } from '../../../src/shell/tokenizer.js';

function words(line: string, vars?: Record<string, string>): readonly string[] {
  const r = tokenize(line, vars ? { vars: (n) => vars[n] } : {});
  assert.ok(r.ok, `expected ok for ${JSON.stringify(line)}: ${r.ok ? '' : r.error}`);
  return r.words;
}
function error(line: string): string {
  const r = tokenize(line);
  assert.ok(!r.ok, `expected an error for ${JSON.stringify(line)}`);
  return r.error;
}

test('splits on spaces and tabs, ignoring runs and ends', () => {
  assert.deepEqual(words('  show   status\t'), ['show', 'status']);
  assert.deepEqual(words(''), []);
  assert.deepEqual(words('   '), []);
});

test('single quotes are literal, double quotes allow escapes, quotes join with neighbours', () => {
  assert.deepEqual(words(`echo 'a  b' "c \\"d\\" \\\\ \\$x" e'f'"g"`), ['echo', 'a  b', 'c "d" \\ $x', 'efg']);
  assert.deepEqual(words(`echo 'it\\'`), ['echo', 'it\\']);
  assert.deepEqual(words('echo ""'), ['echo', '']);
  assert.deepEqual(words(`echo "a\\nb"`), ['echo', 'a\\nb']);
});

test('backslash escapes the next character outside quotes', () => {
  assert.deepEqual(words('echo a\\ b \\|'), ['echo', 'a b', '|']);
  assert.match(error('echo \\'), /end of line/);
});

test('unterminated quotes are reported precisely', () => {
  assert.equal(error(`echo 'abc`), 'unterminated single quote');
  assert.equal(error('echo "abc'), 'unterminated double quote');
});

test('# starts a comment only at a word start', () => {
  assert.deepEqual(words('# whole line'), []);
  assert.deepEqual(words('echo a#b # rest'), ['echo', 'a#b']);
});

test('$VAR and ${VAR} expand unquoted and in double quotes, not in single quotes', () => {
  const vars = { USER: 'alice', HOME: '/home/alice' };
  assert.deepEqual(words(`echo $USER "\${HOME}/x" '$USER' $NOPE end $`, vars), ['echo', 'alice', '/home/alice/x', '$USER', 'end', '$']);
  assert.deepEqual(words('echo "$NOPE" x$NOPE', vars), ['echo', '', 'x'], 'quoted empty expansions stay');
  assert.match(error('echo ${'), /missing }/);
  assert.match(error('echo ${a-b}'), /bad substitution/);
});

test('pipes, redirections, separators and substitutions are refused, not passed as arguments', () => {
  for (const line of ['ls | wc', 'ls; rm x', 'ls && x', 'ls > f', 'cat < f', 'echo `id`', 'echo $(id)', 'echo "$(id)"', 'echo "`id`"', 'sleep 1 &']) {
    assert.match(error(line), /not supported in this restricted shell/, line);
  }
  assert.deepEqual(words(`echo '|' "; > <"`), ['echo', '|', '; > <']);
});

test('input is bounded: exactly MAX_LINE_BYTES passes, one byte more fails', () => {
  assert.equal(words('x'.repeat(MAX_LINE_BYTES)).length, 1);
  assert.match(error('x'.repeat(MAX_LINE_BYTES + 1)), /line too long/);
  // Multi-byte characters count in bytes, not characters.
  assert.match(error('é'.repeat(MAX_LINE_BYTES / 2 + 1)), /line too long/);
  assert.equal(words('é'.repeat(MAX_LINE_BYTES / 2))[0]!.length, MAX_LINE_BYTES / 2);
});

test('word count is bounded', () => {
  assert.equal(words(Array(MAX_WORDS).fill('a').join(' ')).length, MAX_WORDS);
  assert.match(error(Array(MAX_WORDS + 1).fill('a').join(' ')), /too many arguments/);
});

test('binary and control characters are rejected, tabs are whitespace', () => {
  assert.match(error('echo \x00abc'), /control characters/);
  assert.match(error('echo \x1b[31mred'), /control characters/);
  assert.match(error('echo a\nb'), /control characters/);
  assert.match(error(String.fromCharCode(...Array.from({ length: 200 }, (_, i) => i % 32))), /control characters/);
  assert.deepEqual(words('echo\ta'), ['echo', 'a']);
});

test('non-ASCII text survives intact', () => {
  assert.deepEqual(words('echo "héllo 世界" 🙂'), ['echo', 'héllo 世界', '🙂']);
});

test('quoteWord round-trips through tokenize', () => {
  for (const w of ['plain', 'two words', "it's", '', 'a"b', '$HOME', 'x|y', '世界']) {
    assert.deepEqual(words(`echo ${quoteWord(w)}`), ['echo', w]);
  }
});
