/**
 * A pure line editor for a raw-mode terminal: bytes in, bytes to echo out, completed lines out.
 * It never touches a stream, so every key is a unit test. After a submitted line (or Ctrl-D on an
 * empty line) it pauses: input typed meanwhile is kept, and `resume()` prints the next prompt and
 * replays it, so type-ahead appears after the command's output, as in bash.
 *
 * Long lines wrap; the cursor position is tracked in columns from the prompt start (the linenoise
 * multi-line technique), using display widths so CJK and emoji keep the cursor aligned.
 */
import { stringWidth } from './char-width.js';
import { stripAnsi } from './ansi.js';
import { KeyDecoder, type Key } from './keys.js';
import { LineBuffer } from './line-buffer.js';
import { MAX_LINE_BYTES } from './tokenizer.js';
import { commonPrefix, layoutColumns } from './completion-list.js';

export type EditorEvent = { readonly type: 'line'; readonly line: string } | { readonly type: 'eof' };

export interface EditorResult {
  readonly output: string;
  readonly events: readonly EditorEvent[];
}

export interface EditorOptions {
  readonly prompt: string;
  readonly columns?: number;
  readonly maxLineBytes?: number;
  readonly history?: readonly string[];
  readonly historyMax?: number;
  /** Candidates (whole words) for the word that ends at the cursor; undefined = no completion. */
  readonly complete?: ((lineBeforeCursor: string) => readonly string[]) | undefined;
}

const BEL = '\x07';
/** Keys typed while a command runs are kept up to this many, then dropped. */
const MAX_PENDING_KEYS = 16384;
const MAX_LISTED_CANDIDATES = 200;

export class LineEditor {
  #keys = new KeyDecoder();
  #pending: Key[] = [];
  /** Read position in #pending (shift() per key would make a big paste quadratic). */
  #pendingAt = 0;
  #paused = true;
  #prompt: string;
  #promptWidth: number;
  #cols: number;
  #maxBytes: number;
  readonly #line = new LineBuffer();
  /** Where the terminal cursor is, in columns from the start of the prompt. */
  #termCursor = 0;
  #history: string[];
  #historyMax: number;
  #historyIndex: number;
  #draft: readonly string[] = [];
  #complete: EditorOptions['complete'];
  #out = '';
  #belled = false;

  constructor(options: EditorOptions) {
    this.#prompt = options.prompt;
    this.#promptWidth = stringWidth(stripAnsi(options.prompt));
    this.#cols = clampColumns(options.columns ?? 80);
    this.#maxBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.#historyMax = Math.max(0, options.historyMax ?? 100);
    this.#history = (options.history ?? []).slice(-this.#historyMax);
    this.#historyIndex = this.#history.length;
    this.#complete = options.complete;
  }

  get history(): readonly string[] { return this.#history; }
  get line(): string { return this.#line.text; }
  get cursor(): number { return this.#line.cursor; }
  get paused(): boolean { return this.#paused; }

  setPrompt(prompt: string): void {
    this.#prompt = prompt;
    this.#promptWidth = stringWidth(stripAnsi(prompt));
  }

  /** A window-change: later redraws wrap at the new width. */
  setColumns(columns: number): void {
    this.#cols = clampColumns(columns);
  }

  feed(bytes: Uint8Array | string): EditorResult {
    const keys = this.#keys.feed(bytes);
    for (const k of keys) {
      if (this.#pending.length - this.#pendingAt >= MAX_PENDING_KEYS) { this.#bell(); break; }
      this.#pending.push(k);
    }
    return this.#run();
  }

  /** Forget keys typed ahead (Ctrl-C while a command runs flushes them, as a tty does on INTR). */
  discardPending(): void {
    this.#pending = [];
    this.#pendingAt = 0;
  }

  /** Print a fresh prompt and process the keys typed while paused. */
  resume(): EditorResult {
    this.#paused = false;
    this.#line.set([]);
    this.#termCursor = 0;
    this.#historyIndex = this.#history.length;
    this.#out += this.#prompt;
    this.#termCursor = this.#promptWidth;
    this.#wrapFix(this.#promptWidth);
    return this.#run();
  }

  /**
   * Print `text` (lines ending in \r\n) above the line being edited, then redraw it: broadcasts
   * and idle warnings must not garble what the user is typing.
   */
  printAbove(text: string, redraw = true): string {
    if (this.#paused) return text;
    let out = this.#moveToStart() + '\r\x1b[J' + text;
    this.#termCursor = 0;
    if (redraw) out += this.#render();
    // A last message (kick, idle disconnect): the line is gone and no more input is taken.
    else this.#paused = true;
    return out;
  }

  #run(): EditorResult {
    const events: EditorEvent[] = [];
    while (!this.#paused && this.#pendingAt < this.#pending.length) {
      const key = this.#pending[this.#pendingAt++]!;
      const ev = this.#handle(key);
      if (ev) { events.push(ev); break; }
    }
    if (this.#pendingAt === this.#pending.length) this.#discardConsumed();
    const output = this.#out;
    this.#out = '';
    this.#belled = false;
    return { output, events };
  }

  #handle(key: Key): EditorEvent | undefined {
    if (key.type === 'char') { this.#insert(key.ch); return undefined; }
    const l = this.#line;
    switch (key.name) {
      case 'enter': return this.#submit();
      case 'ctrl-d':
        if (this.#line.length === 0) { this.#paused = true; return { type: 'eof' }; }
        this.#deleteRange(this.#line.cursor, this.#line.cursor + 1);
        return undefined;
      case 'ctrl-c':
        this.#out += this.#moveTo(this.#endCol()) + '^C\r\n';
        this.#line.set([]);
        this.#historyIndex = this.#history.length;
        this.#out += this.#prompt;
        this.#termCursor = this.#promptWidth;
        this.#wrapFix(this.#promptWidth);
        return undefined;
      case 'backspace': if (l.cursor > 0) this.#deleteRange(l.cursor - 1, l.cursor); return undefined;
      case 'delete': this.#deleteRange(l.cursor, l.cursor + 1); return undefined;
      case 'left': case 'ctrl-b': this.#setCursor(l.cursor - 1); return undefined;
      case 'right': case 'ctrl-f': this.#setCursor(l.cursor + 1); return undefined;
      case 'home': case 'ctrl-a': this.#setCursor(0); return undefined;
      case 'end': case 'ctrl-e': this.#setCursor(l.length); return undefined;
      case 'word-left': this.#setCursor(l.wordStart(l.cursor)); return undefined;
      case 'word-right': this.#setCursor(l.wordEnd(l.cursor)); return undefined;
      case 'ctrl-u': this.#deleteRange(0, l.cursor); return undefined;
      case 'ctrl-k': this.#deleteRange(l.cursor, l.length); return undefined;
      case 'ctrl-w': case 'delete-word-back': this.#deleteRange(l.wordStart(l.cursor), l.cursor); return undefined;
      case 'delete-word-forward': this.#deleteRange(l.cursor, l.wordEnd(l.cursor)); return undefined;
      case 'ctrl-l':
        this.#out += '\x1b[H\x1b[2J';
        this.#termCursor = 0;
        this.#out += this.#render();
        return undefined;
      case 'up': case 'ctrl-p': this.#recall(-1); return undefined;
      case 'down': case 'ctrl-n': this.#recall(1); return undefined;
      case 'tab': this.#completeWord(); return undefined;
    }
  }

  #submit(): EditorEvent {
    const line = this.#line.text;
    this.#out += this.#moveTo(this.#endCol()) + '\r\n';
    this.#paused = true;
    const entry = line.trimEnd();
    if (entry.trim() !== '' && this.#history.at(-1) !== entry && this.#historyMax > 0) {
      this.#history.push(entry);
      if (this.#history.length > this.#historyMax) this.#history.splice(0, this.#history.length - this.#historyMax);
    }
    return { type: 'line', line };
  }

  #insert(text: string): void {
    if (this.#line.bytes + Buffer.byteLength(text, 'utf8') > this.#maxBytes) { this.#bell(); return; }
    const atEnd = this.#line.cursor === this.#line.length;
    this.#line.insert(text);
    const end = this.#endCol();
    // Typing at the end of the line is the common case: echo the glyph, skip the redraw.
    if (atEnd && end % this.#cols !== 0 && Math.floor(end / this.#cols) === Math.floor(this.#termCursor / this.#cols)) {
      this.#out += text;
      this.#termCursor = end;
      return;
    }
    this.#out += this.#render();
  }

  #deleteRange(from: number, to: number): void {
    if (this.#line.delete(from, to)) this.#out += this.#render();
  }

  #setCursor(pos: number): void {
    if (this.#line.moveTo(pos)) this.#out += this.#moveTo(this.#colOf(this.#line.cursor));
  }

  #recall(step: -1 | 1): void {
    const next = this.#historyIndex + step;
    if (next < 0 || next > this.#history.length) { this.#bell(); return; }
    if (this.#historyIndex === this.#history.length) this.#draft = this.#line.chars.slice();
    this.#historyIndex = next;
    this.#line.set(next === this.#history.length ? this.#draft : [...this.#history[next]!]);
    this.#out += this.#render();
  }

  #completeWord(): void {
    if (!this.#complete) return;
    const before = this.#line.textBeforeCursor();
    const wordStart = before.lastIndexOf(' ') + 1;
    const word = before.slice(wordStart);
    const found = [...new Set(this.#complete(before))].filter((c) => c.startsWith(word)).sort();
    if (found.length === 0) { this.#bell(); return; }
    const prefix = found.length === 1 ? found[0]! + (found[0]!.endsWith('/') ? '' : ' ') : commonPrefix(found);
    if (prefix.length > word.length) {
      this.#insert(prefix.slice(word.length));
      return;
    }
    // Ambiguous and nothing more to add: list the candidates under the line, then redraw it.
    this.#out += this.#moveTo(this.#endCol()) + '\r\n' + layoutColumns(found.slice(0, MAX_LISTED_CANDIDATES), this.#cols);
    this.#termCursor = 0;
    this.#out += this.#render();
  }

  #bell(): void {
    if (!this.#belled) this.#out += BEL;
    this.#belled = true;
  }

  #colOf(index: number): number {
    return this.#promptWidth + this.#line.widthBefore(index);
  }

  #endCol(): number {
    return this.#promptWidth + this.#line.width;
  }

  #discardConsumed(): void {
    this.#pending = [];
    this.#pendingAt = 0;
  }

  #moveToStart(): string {
    const rows = Math.floor(this.#termCursor / this.#cols);
    return rows > 0 ? `\x1b[${rows}A` : '';
  }

  /** Move the terminal cursor from where it is to column offset `col` (both relative to the prompt start). */
  #moveTo(col: number): string {
    const fromRow = Math.floor(this.#termCursor / this.#cols);
    const toRow = Math.floor(col / this.#cols);
    let out = '';
    if (toRow < fromRow) out += `\x1b[${fromRow - toRow}A`;
    else if (toRow > fromRow) out += `\x1b[${toRow - fromRow}B`;
    out += '\r';
    const c = col % this.#cols;
    if (c > 0) out += `\x1b[${c}C`;
    this.#termCursor = col;
    return out;
  }

  /** Redraw prompt + line from the prompt start, clearing what the old text left behind. */
  #render(): string {
    let out = this.#moveToStart() + '\r\x1b[J' + this.#prompt + this.#line.text;
    const end = this.#endCol();
    this.#termCursor = end;
    out += this.#wrapFixText(end);
    out += this.#moveTo(this.#colOf(this.#line.cursor));
    return out;
  }

  /** After writing up to an exact multiple of the width, terminals hold the cursor at the margin; force the wrap. */
  #wrapFixText(end: number): string {
    return end > 0 && end % this.#cols === 0 ? '\n\r' : '';
  }

  #wrapFix(end: number): void {
    this.#out += this.#wrapFixText(end);
  }
}

function clampColumns(cols: number): number {
  return Number.isFinite(cols) && cols >= 10 ? Math.min(Math.floor(cols), 1000) : 80;
}
