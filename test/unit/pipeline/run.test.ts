import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allow, deny } from '../../../src/errors.js';
import { runStages, stageOrder, type StageTable } from '../../../src/pipeline/run.js';
import { STAGES } from '../../../src/pipeline/stages.js';

test('runStages calls a table\'s stages in the order of STAGES, however the table is written', async () => {
  const seen: string[] = [];
  const table: StageTable<string[]> = {
    connect: (s) => { s.push('connect'); return allow(); },
    authorize: (s) => { s.push('authorize'); return allow(); },
    limits: async (s) => { s.push('limits'); return allow(); },
  };
  assert.equal((await runStages(table, seen)).allow, true);
  const order = STAGES.map((s) => s.name as string);
  assert.deepEqual(seen, ['authorize', 'limits', 'connect']);
  assert.ok(order.indexOf('authorize') < order.indexOf('limits') && order.indexOf('limits') < order.indexOf('connect'));
  assert.deepEqual(stageOrder(table), seen);
});

test('the first refusal stops the sequence and is what runStages returns', async () => {
  const seen: string[] = [];
  const d = await runStages<string[]>({
    authorize: (s) => { s.push('authorize'); return deny('SKS5_DENY_TIME', 'alice: outside 09:00-17:00', 'not now'); },
    connect: (s) => { s.push('connect'); return allow(); },
  }, seen);
  assert.deepEqual(seen, ['authorize']);
  assert.equal(d.allow, false);
  if (!d.allow) assert.equal(d.code, 'SKS5_DENY_TIME');
});
