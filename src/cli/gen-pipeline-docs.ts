/**
 * The generated parts of docs/pipeline.md: the stage table (pipeline/stages.ts) and the table of
 * error codes (src/errors.ts). Only the text between the GENERATED markers is rewritten; the
 * prose around it stays hand-written.
 */
import { ERRORS, ERROR_CODES, type ErrorCode } from '../errors.js';
import { STAGES, type StageInfo } from '../pipeline/stages.js';

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0').toUpperCase()}`;
const uniq = <T>(xs: readonly T[]): T[] => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The three failure columns of a stage: its text, or what its codes send. */
export function stageColumns(s: StageInfo): { socks5: string; ssh: string; http: string } {
  if (s.text) return s.text;
  const codes = s.codes as readonly ErrorCode[];
  return {
    socks5: `reply ${uniq(codes.map((c) => ERRORS[c].socks)).map(hex).join('/')}`,
    ssh: `CHANNEL_OPEN_FAILURE ${uniq(codes.map((c) => ERRORS[c].ssh)).join('/')} + reason`,
    http: uniq(codes.map((c) => ERRORS[c].http)).join('/'),
  };
}

export function renderStageTable(): string {
  const rows = ['| stage | what it checks | on failure, SOCKS5 | on failure, SSH | on failure, HTTP |', '|---|---|---|---|---|'];
  for (const s of STAGES as readonly StageInfo[]) {
    const c = stageColumns(s);
    rows.push(`| ${s.name} | ${s.does} | ${c.socks5} | ${c.ssh} | ${c.http} |`);
  }
  return rows.join('\n');
}

export function renderErrorTable(): string {
  const rows = ['| code | kind | SOCKS5 reply | SSH reason | HTTP | `error_type` | meaning |', '|---|---|---|---|---|---|---|'];
  for (const code of ERROR_CODES) {
    const e = ERRORS[code];
    const api = e.kind === 'api';
    rows.push(`| \`${code}\` | ${e.kind} | ${api ? '-' : hex(e.socks)} | ${api ? '-' : e.ssh} | ${e.http} | ${e.metric} | ${e.meaning} |`);
  }
  return rows.join('\n');
}

const REGIONS: Record<string, () => string> = { stages: renderStageTable, 'error-codes': renderErrorTable };

/** `current` with every `<!-- BEGIN GENERATED: name -->` ... `<!-- END GENERATED: name -->` region re-rendered. */
export function renderPipelineDocs(current: string): string {
  let out = current;
  for (const [name, render] of Object.entries(REGIONS)) {
    const begin = `<!-- BEGIN GENERATED: ${name} (npm run gen) -->`;
    const end = `<!-- END GENERATED: ${name} -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`docs/pipeline.md: missing the markers of the generated region "${name}"`);
    out = `${out.slice(0, i + begin.length)}\n${render()}\n${out.slice(j)}`;
  }
  return out;
}
