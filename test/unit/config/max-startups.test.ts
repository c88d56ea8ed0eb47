import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.js';
import { readEnvOverlay } from '../../../src/config/env.js';
import { SECRET_HASH } from './fixtures.js';

const users = [{ username: 'alice', password_hash: SECRET_HASH }];
const noFiles = (path: string): string => { throw new Error(`ENOENT: ${path}`); };

test('the pre-auth budget has defaults that hold with no tuning', () => {
  const c = configSchema.parse({ users });
  assert.equal(c.limits.max_startups, '200:30:500');
  assert.equal(c.limits.per_source_max_startups, 32);
});

test('a malformed max_startups is reported at its key path with the reason', () => {
  for (const [text, reason] of [['10:30', /start:rate:full/], ['100:30:10', /full 10 must not be smaller than start 100/], ['10:0:20', /percentage from 1 to 100/]] as const) {
    const r = configSchema.safeParse({ users, limits: { max_startups: text } });
    assert.ok(!r.success, text);
    const issue = r.error.issues[0];
    assert.deepEqual(issue?.path, ['limits', 'max_startups']);
    assert.match(issue?.message ?? '', reason);
  }
  assert.ok(!configSchema.safeParse({ users, limits: { per_source_max_startups: -1 } }).success);
});

test('SKS5_MAX_STARTUPS and SKS5_PER_SOURCE_MAX_STARTUPS set the keys', () => {
  const r = readEnvOverlay({ SKS5_MAX_STARTUPS: '10:30:100', SKS5_PER_SOURCE_MAX_STARTUPS: '4' }, noFiles);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.overlay, { limits: { max_startups: '10:30:100', per_source_max_startups: 4 } });
});
