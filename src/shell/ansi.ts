/**
 * ANSI styling, switched off as a whole: a `Palette` with colours off returns text unchanged, so
 * commands style their output once and `colors = false` (or exec without a pty) gets plain text.
 */
export const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
  white: '\x1b[37m',
} as const;

export type Style = Exclude<keyof typeof ANSI, 'reset'>;

export interface Palette {
  readonly enabled: boolean;
  paint(style: Style | readonly Style[], text: string): string;
}

export function palette(enabled: boolean): Palette {
  return {
    enabled,
    paint(style, text) {
      if (!enabled || text === '') return text;
      const styles = typeof style === 'string' ? [style] : style;
      return styles.map((s) => ANSI[s]).join('') + text + ANSI.reset;
    },
  };
}

/** CSI and OSC sequences plus lone ESC-x pairs: what a terminal would not print as glyphs. */
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '');
}

/**
 * Make untrusted text (DNS answers, bookmark names, env values) safe to print: control
 * characters other than tab become U+FFFD so nothing can move the cursor or retitle the window.
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, '\ufffd');
}

/** An error's message as the shell prints it: printable, and cut at 200 characters (a DNS or store error can be long). */
export function errorText(err: unknown): string {
  return printable(err instanceof Error ? err.message : String(err)).slice(0, 200);
}
