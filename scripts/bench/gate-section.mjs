// Gate path: runs scripts/bench-gate.mjs (sshgate vs a direct connection, its own target and
// gate processes) and passes its markdown table through unchanged.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runToEnd } from './processes.mjs';

/** Returns the text to print: the gate bench's table, or why it is missing. */
export async function runGateSection(ctx) {
  const script = join(ctx.root, 'scripts', 'bench-gate.mjs');
  if (!existsSync(script)) return 'Gate: skipped (scripts/bench-gate.mjs not found)';
  process.stderr.write('Gate: scripts/bench-gate.mjs\n');
  // bench-gate.mjs has its own 170 s hard deadline; the margin covers its start-up.
  let res;
  // bench-gate.mjs picks a random listen port in 20000-39999, which overlaps the ephemeral range:
  // after thousands of benchmark connections it can collide (EADDRINUSE). One retry is enough.
  for (let attempt = 1; attempt <= 2; attempt++) {
    res = await runToEnd('bench-gate', process.execPath, [script, '--duration', String(ctx.duration), '--hold', ctx.quick ? '1000' : '5000'], {
      timeoutMs: 190_000, cwd: ctx.root,
      onStderr: (d) => { for (const l of String(d).split('\n')) if (l.trim()) process.stderr.write(`  [gate] ${l}\n`); },
    });
    if (res.code === 0 || !res.stderr.includes('EADDRINUSE')) break;
  }
  const out = res.stdout.trim();
  if (res.code !== 0 || !out) {
    const why = res.timedOut ? 'timed out' : `exit ${res.code}`;
    const tail = res.stderr.trim().split('\n').slice(-3).join(' / ');
    return `${out ? `${out}\n\n` : ''}Gate: failed (${why})${tail ? `: ${tail}` : ''}`;
  }
  return out;
}
