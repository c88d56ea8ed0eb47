// Runs the shared SOCKS5 benchmark harness (../shared/bench/socks-bench.mjs, invoked at its path,
// never copied) and turns its one-line JSON results into medians over rounds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runToEnd } from './processes.mjs';

/** Where CI and developers keep the shared harness: next to the repository. */
export function harnessDir(root) {
  return process.env.BENCH_HARNESS_DIR ?? join(root, '..', 'shared', 'bench');
}

export function harnessAvailable(root) {
  return existsSync(join(harnessDir(root), 'socks-bench.mjs'));
}

/** Runs one script of the shared harness to its end and parses the one JSON line it prints. */
async function runScript(root, script, opts, budgetSecs, extraArgs) {
  const args = [join(harnessDir(root), script), ...extraArgs];
  for (const [k, v] of Object.entries(opts)) if (v !== undefined && v !== null && v !== '') args.push(`--${k}`, String(v));
  const label = opts.label;
  const progress = (d) => {
    for (const line of String(d).split('\n')) if (line.trim()) process.stderr.write(`  [${label}] ${line.replace(/^\[(bench|scale)\] /, '')}\n`);
  };
  const res = await runToEnd(`harness ${label}`, process.execPath, args, { timeoutMs: budgetSecs * 1000, onStderr: progress });
  const line = res.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (res.code !== 0 || !line) return { label, error: res.timedOut ? `timed out after ${budgetSecs} s` : `harness exit ${res.code}` };
  try { return JSON.parse(line); } catch { return { label, error: 'unparsable harness output' }; }
}

/**
 * One harness run: `opts` maps to socks-bench.mjs flags (proxy, user, pass, pid, pid2, duration,
 * streams, inflight, hold, phases, label). Returns the parsed JSON result, or { label, error }.
 */
export function runHarness(root, opts, budgetSecs) {
  return runScript(root, 'socks-bench.mjs', opts, budgetSecs, ['--max-secs', String(Math.max(20, budgetSecs - 5))]);
}

/**
 * One run of the shared ssh-scale.mjs: K downloads at once, one through each SOCKS port in
 * `opts.proxies` (flags: proxies, pid = the clients, pid2 = the server, duration, dir, label).
 * Its own window is bounded by --duration; `budgetSecs` bounds the whole run.
 */
export function runSshScale(root, opts, budgetSecs) {
  return runScript(root, 'ssh-scale.mjs', opts, budgetSecs, []);
}

const at = (obj, path) => path.split('.').reduce((a, k) => (a == null ? a : a[k]), obj);

/** Median of a numeric field over runs (missing values ignored); null when no run has it. */
export function median(runs, path) {
  const xs = runs.map((r) => at(r, path)).filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!xs.length) return null;
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

/** Sum of a numeric field over runs (for failure counts: any failure in any round shows). */
export function total(runs, path) {
  return runs.reduce((a, r) => a + (Number(at(r, path)) || 0), 0);
}

/** Mean proxy (or pid2) CPU seconds per GB over a run's bulk tests, median over runs. */
export function cpuPerGB(runs, key = 'proxy_cpu_s_per_GB') {
  const per = runs.map((r) => {
    const xs = Object.values(r.bulk ?? {}).map((b) => b[key]).filter((x) => typeof x === 'number');
    return xs.length ? { v: xs.reduce((a, c) => a + c, 0) / xs.length } : {};
  });
  return median(per, 'v');
}

/** Formats a number for a table cell; '–' for missing. */
export function fmt(x, digits) {
  if (x == null || !Number.isFinite(x)) return '–';
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toFixed(d);
}

/** ours / ref as "0.93x"; '–' when either is missing. */
export function ratio(ours, ref) {
  if (ours == null || ref == null || !ref) return '–';
  return `${(ours / ref).toFixed(2)}x`;
}
