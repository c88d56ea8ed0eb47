// Loading the whole server (CLI, SSH stack, relay, API) replaces no function of Node's crypto module:
// a process that embeds or runs sks5 keeps the CSPRNG it was given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

test('crypto (CommonJS and ESM views) is untouched after loading the CLI, ssh2 and the server', async () => {
  const cjs = require('node:crypto') as Record<string, unknown>;
  const esm = (await import('node:crypto')) as unknown as Record<string, unknown>;
  const before = new Map(Object.keys(cjs).map((k) => [k, cjs[k]]));
  await import('../../../src/cli/sks5.js');
  await import('../../../src/server/start.js');
  await import('ssh2');
  for (const [k, v] of before) assert.equal(cjs[k], v, `crypto.${k} was replaced`);
  assert.equal(esm.randomFillSync, cjs.randomFillSync);
  assert.deepEqual(Object.getOwnPropertySymbols(cjs), []);
});
