#!/usr/bin/env node
// Runs the compiled node:test files: `node scripts/run-tests.mjs [unit fuzz integration e2e]`.
// Node 20's --test takes no globs, so the file list is built here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

// zz-container (the image build, minutes long) comes last so a failure elsewhere shows first.
const kinds = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'fuzz', 'integration', 'e2e', 'zz-container'];
const files = [];
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (e.endsWith('.test.js')) files.push(p);
  }
}
for (const k of kinds) walk(join('dist', 'test', k));
if (files.length === 0) {
  console.error('no test files found under dist/test; run `npm run build` first');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=900000', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
