/**
 * The text being edited: code points, a cursor, and its size in UTF-8 bytes and terminal columns,
 * kept in step on every edit so a keystroke at the end of a line costs O(1) and arrow keys walk
 * from the last column asked for instead of re-measuring the whole line.
 */
import { stringWidth } from './char-width.js';

export class LineBuffer {
  #chars: string[] = [];
  #cursor = 0;
  #bytes = 0;
  #width = 0;
  /** Bumped on every edit; invalidates #memo. */
  #version = 0;
  #memo: { version: number; index: number; col: number } | undefined;

  get text(): string { return this.#chars.join(''); }
  get length(): number { return this.#chars.length; }
  get cursor(): number { return this.#cursor; }
  get bytes(): number { return this.#bytes; }
  /** Display columns of the whole line. */
  get width(): number { return this.#width; }
  get chars(): readonly string[] { return this.#chars; }

  /** Replace the text; the cursor goes to the end. */
  set(chars: readonly string[]): void {
    this.#chars = [...chars];
    this.#version++;
    const text = this.#chars.join('');
    this.#bytes = Buffer.byteLength(text, 'utf8');
    this.#width = stringWidth(text);
    this.#cursor = this.#chars.length;
  }

  /** Insert at the cursor and move past it (the caller checks the byte cap first). */
  insert(text: string): void {
    const add = [...text];
    this.#chars.splice(this.#cursor, 0, ...add);
    this.#version++;
    this.#bytes += Buffer.byteLength(text, 'utf8');
    this.#width += stringWidth(text);
    this.#cursor += add.length;
  }

  /** Delete [from, to) and put the cursor at `from`; false when nothing was deleted. */
  delete(from: number, to: number): boolean {
    const a = Math.max(0, from);
    const b = Math.min(this.#chars.length, to);
    if (b <= a) return false;
    const removed = this.#chars.splice(a, b - a).join('');
    this.#version++;
    this.#bytes -= Buffer.byteLength(removed, 'utf8');
    this.#width -= stringWidth(removed);
    this.#cursor = a;
    return true;
  }

  /** Move the cursor (clamped); false when it did not move. */
  moveTo(pos: number): boolean {
    const p = Math.max(0, Math.min(this.#chars.length, pos));
    if (p === this.#cursor) return false;
    this.#cursor = p;
    return true;
  }

  /** Columns taken by the characters before `index`. */
  widthBefore(index: number): number {
    const memo = this.#memo;
    let from = 0;
    let col = 0;
    if (memo && memo.version === this.#version) ({ index: from, col } = memo);
    for (; from < index; from++) col += stringWidth(this.#chars[from]!);
    for (; from > index; from--) col -= stringWidth(this.#chars[from - 1]!);
    this.#memo = { version: this.#version, index, col };
    return col;
  }

  textBeforeCursor(): string {
    return this.#chars.slice(0, this.#cursor).join('');
  }

  /** Start of the word before `from` (spaces skipped first), as Ctrl-W and Alt-B see it. */
  wordStart(from: number): number {
    let i = from;
    while (i > 0 && this.#chars[i - 1] === ' ') i--;
    while (i > 0 && this.#chars[i - 1] !== ' ') i--;
    return i;
  }

  wordEnd(from: number): number {
    let i = from;
    while (i < this.#chars.length && this.#chars[i] === ' ') i++;
    while (i < this.#chars.length && this.#chars[i] !== ' ') i++;
    return i;
  }
}
