import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STAGES } from '../../../src/pipeline/stages.js';
import { renderPipelineDocs, stageColumns } from '../../../src/cli/gen-pipeline-docs.js';
import { ERRORS } from '../../../src/errors.js';

const md = readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'pipeline.md'), 'utf8');

test('docs/pipeline.md is generated from pipeline/stages.ts and the error catalogue (run `npm run gen`)', () => {
  assert.equal(md, renderPipelineDocs(md));
});

test('docs/pipeline.md draws the same stages, in the same order, as pipeline/stages.ts', () => {
  const rows = md.split('\n').filter((l) => /^\| [a-z]+ \|/.test(l) && !l.startsWith('| stage |') && !l.startsWith('| code |')).map((l) => l.split('|').map((c) => c.trim()).filter(Boolean));
  assert.deepEqual(rows.map((r) => r[0]), STAGES.map((s) => s.name));
});

test('stages with reply codes show exactly what their codes send', () => {
  const limits = STAGES.find((s) => s.name === 'limits')!;
  // Limits refuse with RESOURCE_SHORTAGE (4), not 1 as the hand-drawn table once claimed.
  assert.deepEqual(stageColumns(limits), { socks5: 'reply 0x02', ssh: 'CHANNEL_OPEN_FAILURE 4 + reason', http: '429' });
  const connect = STAGES.find((s) => s.name === 'connect')!;
  assert.equal(stageColumns(connect).socks5, 'reply 0x01/0x02/0x03/0x04/0x05/0x06');
  for (const s of STAGES) for (const c of s.codes) assert.ok(c in ERRORS, `${s.name}: ${c}`);
});
