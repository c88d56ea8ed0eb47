import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/clock.js';
import { listConfigHistory, saveConfigHistory } from '../../../src/api/config-history.js';

test('config history keeps the newest max_entries snapshots, 0600, oldest pruned first', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'sks5-history-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'config-history');
  const clock = new FakeClock('2026-03-01T23:59:59.998Z');
  const saved: string[] = [];
  for (let i = 0; i < 5; i += 1) {
    saved.push(await saveConfigHistory({ dir, text: `# version ${i}\n`, maxEntries: 3, clock }));
    if (i !== 1) clock.advance(1); // versions 1 and 2 share a millisecond
  }
  const names = await listConfigHistory(dir);
  assert.equal(names.length, 3);
  assert.deepEqual(await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8'))), ['# version 2\n', '# version 3\n', '# version 4\n']);
  assert.equal((await stat(saved[4] as string)).mode & 0o777, 0o600);
  assert.deepEqual(await listConfigHistory(join(root, 'nowhere')), []);
});
