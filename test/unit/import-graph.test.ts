// The import graph of src/ has no cycle between files (type-only imports included): shared types live
// in leaf modules (pipeline/types.ts, api/route-context.ts, store/fingerprint-schema.ts, ...), so a
// newcomer can read any file after the files it imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/unit -> the repository root (the sources, not the compiled files: type imports vanish there).
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports and re-exports of one file, as absolute .ts paths. */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  const re = /^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'|^\s*import\s+'(\.[^']+)'/gms;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const spec = m[1] ?? m[2];
    if (spec) out.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    stack.push(n);
    for (const next of graph.get(n) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const c = visit(next);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    if (state.get(n) === undefined) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return undefined;
}

test('the import reader sees value, type-only, side-effect and multi-line imports and re-exports', () => {
  const text = "import { a } from './a.js';\nimport type { B } from '../b.js';\nimport './c.js';\nimport {\n  d,\n} from './d.js';\nexport type { E } from './e.js';\nimport x from 'node:fs';\n";
  const got = importsOf('/r/src/x/f.ts', text).map((p) => relative('/r/src', p));
  assert.deepEqual(got.sort(), ['b.ts', 'x/a.ts', 'x/c.ts', 'x/d.ts', 'x/e.ts']);
});

test('the cycle finder finds a two-file cycle', () => {
  assert.deepEqual(findCycle(new Map([['a', ['b']], ['b', ['a']]])), ['a', 'b', 'a']);
  assert.equal(findCycle(new Map([['a', ['b']], ['b', []]])), undefined);
});

test('no import cycle between the files of src/', () => {
  const files = sourceFiles(SRC);
  assert.ok(files.length > 100, `read ${files.length} files under ${SRC}`);
  const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));
  const cycle = findCycle(graph);
  assert.equal(cycle, undefined, `import cycle: ${cycle?.map((f) => relative(SRC, f)).join(' -> ')}`);
});

test('the observe/metrics*.ts modules are the only files of src/ that import prom-client (one place makes every registry)', () => {
  const importers = sourceFiles(SRC).filter((f) => /^\s*import\s[^;]*?\sfrom\s+'prom-client'/ms.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f)).sort();
  assert.deepEqual(importers, ['metrics-registry.ts', 'metrics-scraped.ts', 'metrics-workers.ts', 'metrics.ts'].map((f) => join('observe', f)));
});
