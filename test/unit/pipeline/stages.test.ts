import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STAGES } from '../../../src/pipeline/stages.js';

test('docs/pipeline.md draws the same stages, in the same order, as pipeline/stages.ts', () => {
  const md = readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'pipeline.md'), 'utf8');
  const rows = md.split('\n').filter((l) => /^\| [a-z]+ \|/.test(l) && !l.startsWith('| stage |')).map((l) => l.split('|').map((c) => c.trim()).filter(Boolean));
  assert.deepEqual(rows.map((r) => r[0]), STAGES.map((s) => s.name));
  for (const [i, s] of STAGES.entries()) {
    assert.equal(rows[i]?.[1], s.socks5, `${s.name} socks5`);
    assert.equal(rows[i]?.[2], s.ssh, `${s.name} ssh`);
  }
});
