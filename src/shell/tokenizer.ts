/**
 * Splits a command line into words the way a POSIX shell would for simple commands: single
 * quotes are literal, double quotes allow \" \\ \$ \` escapes and $VAR expansion, a backslash
 * escapes the next character, `#` at a word start begins a comment. There are no pipes,
 * redirections, substitutions or job control in this shell; those operators are reported
 * instead of silently becoming arguments. Pure, bounded in input size and word count.
 */

/** The same cap as the line editor's: longer input never reaches the tokenizer. */
export const MAX_LINE_BYTES = 4096;
export const MAX_WORDS = 256;

export type TokenizeResult =
  | { readonly ok: true; readonly words: readonly string[] }
  | { readonly ok: false; readonly error: string };

export interface TokenizeOptions {
  /** $NAME / ${NAME} lookup; unknown names expand to the empty string, as in sh. */
  readonly vars?: (name: string) => string | undefined;
}

const OPERATORS = new Set(['|', ';', '&', '>', '<', '`']);
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

function fail(error: string): TokenizeResult {
  return { ok: false, error };
}

export function tokenize(line: string, options: TokenizeOptions = {}): TokenizeResult {
  if (Buffer.byteLength(line, 'utf8') > MAX_LINE_BYTES) return fail(`line too long (max ${MAX_LINE_BYTES} bytes)`);
  // Control characters would reach command arguments and then the terminal; tab is whitespace.
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line)) return fail('input contains control characters');
  const words: string[] = [];
  const chars = [...line];
  let word = '';
  let inWord = false;
  // A word made only of empty unquoted expansions ($UNSET) disappears, as in sh.
  let keep = false;
  let i = 0;

  const expand = (): string | TokenizeResult => {
    // chars[i] is '$'; returns the expansion and leaves i on the last consumed char.
    const next = chars[i + 1];
    if (next === '(') return fail('command substitution $( ) is not supported in this restricted shell');
    if (next === '{') {
      const close = chars.indexOf('}', i + 2);
      if (close < 0) return fail('bad substitution: missing }');
      const name = chars.slice(i + 2, close).join('');
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return fail(`bad substitution: \${${name}}`);
      i = close;
      return options.vars?.(name) ?? '';
    }
    if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < chars.length && NAME_CHAR.test(chars[j]!)) j++;
      const name = chars.slice(i + 1, j).join('');
      i = j - 1;
      return options.vars?.(name) ?? '';
    }
    return '$';
  };

  for (; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord && keep) words.push(word);
      word = '';
      inWord = keep = false;
      continue;
    }
    if (c === '#' && !inWord) break;
    if (OPERATORS.has(c)) return fail(`shell operator '${c}' is not supported in this restricted shell`);
    inWord = true;
    keep ||= c !== '$';
    if (c === '\\') {
      const next = chars[++i];
      if (next === undefined) return fail('unexpected end of line after \\');
      word += next;
    } else if (c === "'") {
      const close = chars.indexOf("'", i + 1);
      if (close < 0) return fail('unterminated single quote');
      word += chars.slice(i + 1, close).join('');
      i = close;
    } else if (c === '"') {
      let closed = false;
      for (i++; i < chars.length; i++) {
        const d = chars[i]!;
        if (d === '"') { closed = true; break; }
        if (d === '\\' && ['"', '\\', '$', '`'].includes(chars[i + 1] ?? '')) { word += chars[++i]; continue; }
        if (d === '`') return fail("shell operator '`' is not supported in this restricted shell");
        if (d === '$') {
          const v = expand();
          if (typeof v !== 'string') return v;
          word += v;
          continue;
        }
        word += d;
      }
      if (!closed) return fail('unterminated double quote');
    } else if (c === '$') {
      const v = expand();
      if (typeof v !== 'string') return v;
      word += v;
      keep ||= v !== '';
    } else {
      word += c;
    }
    if (words.length >= MAX_WORDS) return fail(`too many arguments (max ${MAX_WORDS})`);
  }
  if (inWord && keep) words.push(word);
  if (words.length > MAX_WORDS) return fail(`too many arguments (max ${MAX_WORDS})`);
  return { ok: true, words };
}

/** Quote a word so `tokenize` gives it back unchanged (for aliases and completion). */
export function quoteWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./~-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
