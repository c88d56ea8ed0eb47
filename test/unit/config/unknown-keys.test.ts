import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { dropUnknownKeys, isAclPath } from '../../../src/config/unknown-keys.js';

const schema = z.strictObject({
  limits: z.strictObject({ max: z.number().default(1) }).prefault({}),
  acl: z.strictObject({ allow: z.array(z.string()).default([]) }).prefault({}),
  users: z.array(z.strictObject({ name: z.string(), acl: z.strictObject({ deny: z.array(z.string()).default([]) }).prefault({}) })).default([]),
});
const noHint = (): undefined => undefined;

test('unknown keys at every depth are dropped from a copy, one warning each; the input is untouched', () => {
  const raw = { limits: { max: 2, mx: 3 }, extra: true, users: [{ name: 'a', nmae: 'b' }] };
  const r = dropUnknownKeys(schema, raw, (_p, key) => (key === 'mx' ? 'max' : undefined));
  assert.deepEqual([...r.warnings].sort(), ['extra: unknown key, ignored', 'limits.mx: unknown key, ignored (did you mean "max"?)', 'users[0].nmae: unknown key, ignored']);
  assert.deepEqual(r.raw, { limits: { max: 2 }, users: [{ name: 'a' }] });
  assert.deepEqual(raw, { limits: { max: 2, mx: 3 }, extra: true, users: [{ name: 'a', nmae: 'b' }] });
  assert.equal(schema.safeParse(r.raw).success, true);
});

test('keys inside an ACL table and keys typed for this run (--set, env) are kept for the schema to refuse', () => {
  const raw = { acl: { alow: ['x'] }, users: [{ name: 'a', acl: { denny: [] } }], limits: { mx: 1 } };
  const r = dropUnknownKeys(schema, raw, noHint, (p) => p === 'limits.mx');
  assert.deepEqual(r.warnings, []);
  assert.equal(r.raw, raw, 'nothing dropped: the same object');
  assert.equal(isAclPath(['users', 0, 'acl']), true);
  assert.equal(isAclPath(['limits']), false);
});

test('a file with no unknown keys, or with other errors only, comes back as it was', () => {
  const ok = { limits: { max: 5 } };
  assert.equal(dropUnknownKeys(schema, ok, noHint).raw, ok);
  const bad = { limits: { max: 'many' } };
  const r = dropUnknownKeys(schema, bad, noHint);
  assert.equal(r.raw, bad);
  assert.deepEqual(r.warnings, []);
});
