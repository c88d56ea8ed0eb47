/**
 * Terminal input bytes -> keys. UTF-8 and escape sequences may be split anywhere across reads
 * (an SSH packet boundary can fall inside a CSI sequence or a 4-byte emoji), so both the decoder
 * and the escape accumulator keep their partial state between feeds.
 */

export type KeyName =
  | 'enter' | 'tab' | 'backspace' | 'delete' | 'up' | 'down' | 'left' | 'right' | 'home' | 'end'
  | 'word-left' | 'word-right' | 'delete-word-back' | 'delete-word-forward'
  | 'ctrl-a' | 'ctrl-b' | 'ctrl-c' | 'ctrl-d' | 'ctrl-e' | 'ctrl-f' | 'ctrl-k' | 'ctrl-l'
  | 'ctrl-n' | 'ctrl-p' | 'ctrl-u' | 'ctrl-w';

export type Key = { readonly type: 'char'; readonly ch: string } | { readonly type: 'key'; readonly name: KeyName };

/** An escape sequence longer than this is garbage (or an attack); it is dropped whole. */
const MAX_ESCAPE = 32;

const CONTROL: Readonly<Record<number, KeyName>> = {
  0x01: 'ctrl-a', 0x02: 'ctrl-b', 0x03: 'ctrl-c', 0x04: 'ctrl-d', 0x05: 'ctrl-e', 0x06: 'ctrl-f',
  0x08: 'backspace', 0x09: 'tab', 0x0b: 'ctrl-k', 0x0c: 'ctrl-l', 0x0e: 'ctrl-n', 0x10: 'ctrl-p',
  0x15: 'ctrl-u', 0x17: 'ctrl-w', 0x7f: 'backspace',
};

const CSI_FINAL: Readonly<Record<string, KeyName>> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };
const CSI_TILDE: Readonly<Record<string, KeyName>> = { '1': 'home', '7': 'home', '4': 'end', '8': 'end', '3': 'delete' };
const META: Readonly<Record<string, KeyName>> = { b: 'word-left', f: 'word-right', d: 'delete-word-forward', '\x7f': 'delete-word-back', '\x08': 'delete-word-back' };

export class KeyDecoder {
  #decoder = new TextDecoder('utf-8', { fatal: false });
  #esc = '';
  #lastWasCR = false;

  /** Decode one read. Returns the keys it completed; partial input is kept for the next read. */
  feed(bytes: Uint8Array | string): Key[] {
    const text = typeof bytes === 'string' ? bytes : this.#decoder.decode(bytes, { stream: true });
    const keys: Key[] = [];
    for (const ch of text) {
      if (this.#esc !== '') {
        this.#escape(ch, keys);
        continue;
      }
      const cp = ch.codePointAt(0)!;
      // Enter arrives as CR in raw mode, LF from pipes, CRLF from some clients: one enter each.
      if (ch === '\n' && this.#lastWasCR) { this.#lastWasCR = false; continue; }
      this.#lastWasCR = ch === '\r';
      if (ch === '\r' || ch === '\n') { keys.push({ type: 'key', name: 'enter' }); continue; }
      if (ch === '\x1b') { this.#esc = ch; continue; }
      const ctl = CONTROL[cp];
      if (ctl) { keys.push({ type: 'key', name: ctl }); continue; }
      if (cp < 0x20 || (cp >= 0x80 && cp < 0xa0)) continue;
      keys.push({ type: 'char', ch });
    }
    return keys;
  }

  #escape(ch: string, keys: Key[]): void {
    this.#esc += ch;
    const seq = this.#esc;
    if (seq.length === 2) {
      if (ch === '[' || ch === 'O') return;
      this.#esc = '';
      const meta = META[ch];
      if (meta) keys.push({ type: 'key', name: meta });
      return;
    }
    // Overlong: keep consuming parameter bytes up to the final byte, but stop storing them.
    if (seq.length > MAX_ESCAPE) this.#esc = seq.slice(0, MAX_ESCAPE);
    const code = ch.codePointAt(0)!;
    // CSI parameters and intermediates are 0x20-0x3f; a final byte is 0x40-0x7e.
    if (code >= 0x20 && code <= 0x3f) return;
    this.#esc = '';
    if (code < 0x40 || code > 0x7e) return;
    const params = seq.slice(2, -1);
    if (ch === '~') {
      const key = CSI_TILDE[params.split(';')[0] ?? ''];
      if (key) keys.push({ type: 'key', name: key });
      return;
    }
    const base = CSI_FINAL[ch];
    if (!base) return;
    // ESC[1;5C (Ctrl) and ESC[1;3C (Alt) move by word, as in bash.
    const modified = /;[35]$/.test(params);
    if (modified && base === 'left') keys.push({ type: 'key', name: 'word-left' });
    else if (modified && base === 'right') keys.push({ type: 'key', name: 'word-right' });
    else keys.push({ type: 'key', name: base });
  }
}
