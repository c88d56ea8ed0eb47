/** How tab completion shows several candidates: their shared prefix, or a column listing. */
import { stringWidth } from './char-width.js';

export function commonPrefix(words: readonly string[]): string {
  let p = words[0] ?? '';
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

export function layoutColumns(words: readonly string[], cols: number): string {
  const width = Math.max(...words.map((w) => stringWidth(w))) + 2;
  const perRow = Math.max(1, Math.floor(cols / width));
  let out = '';
  for (let i = 0; i < words.length; i += perRow) {
    out += words.slice(i, i + perRow).map((w) => w + ' '.repeat(width - stringWidth(w))).join('').trimEnd() + '\r\n';
  }
  return out;
}
