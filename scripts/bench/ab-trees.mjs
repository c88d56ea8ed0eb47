#!/usr/bin/env node
// A/B of two checkouts of sks5 (e.g. before and after a refactor), side by side in one run:
//   node scripts/bench/ab-trees.mjs /path/to/before-checkout [rounds] [phases]
// Both checkouts must be built (`npx tsc -p tsconfig.json`). Each server is started fresh per run with
// this checkout's full-policy bench config, runs are interleaved before/after/after/before per round,
// measured by the shared socks-bench.mjs (bulk and/or connect, 3 s) and one `ssh -D` download
// (ssh-scale.mjs); every process is stopped by its PID. Prints a markdown table of medians.
// AB_PIN=1: run this script under `taskset -c 0` and each server is pinned to core 1 (all its threads),
// so the server has a core of its own and its CPU per GB / per connection repeats within a few %.
// AB_SSH=0 skips the ssh -D run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOurs, hashBenchPassword, BENCH_USER, BENCH_PASS } from './ours-server.mjs';
import { runHarness, runSshScale } from './harness.mjs';
import { stopProcess, sleep } from './processes.mjs';
import { makeKeys, startClient, probeForwarding } from './ssh-section.mjs';

const HERE = resolve(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
const [beforeArg, roundsArg, phasesArg] = process.argv.slice(2);
if (!beforeArg) { console.error('usage: ab-trees.mjs BEFORE_CHECKOUT [rounds=3] [phases=bulk,connect]'); process.exit(2); }
const trees = { before: resolve(beforeArg), after: HERE };
const rounds = Number(roundsArg ?? 3);
const phases = phasesArg ?? 'bulk,connect';
const dir = mkdtempSync('/tmp/sks5-ab-');
const hash = hashBenchPassword(HERE);
const pub = makeKeys(dir);
const out = { before: [], after: [] };
for (let r = 1; r <= rounds; r++) {
  for (const name of r % 2 ? ['before', 'after', 'after', 'before'] : ['after', 'before', 'before', 'after']) {
    const s = await startOurs(trees[name], dir, { withSocks: true, passwordHash: hash, authorizedKey: pub, label: `ab-${name}`, policy: 'full' });
    const row = {};
    if (process.env.AB_PIN === '1') execFileSync('taskset', ['-acp', '1', String(s.proc.pid)], { stdio: 'ignore' });
    try {
      row.socks = await runHarness(HERE, { label: name, proxy: `127.0.0.1:${s.socksPort}`, user: BENCH_USER, pass: BENCH_PASS, pid: s.proc.pid, duration: 3, streams: '1', phases }, 120);
      if (process.env.AB_SSH !== '0') {
        const c = await startClient(dir, s.sshPort, BENCH_USER, 'chacha20-poly1305@openssh.com');
        try {
          if (await probeForwarding(c.local)) row.ssh = await runSshScale(HERE, { label: `${name} ssh`, proxies: `127.0.0.1:${c.local}`, pid: String(c.proc.pid), pid2: s.proc.pid, duration: 3, dir: 'down' }, 60);
        } finally { await stopProcess(c.proc); }
      }
    } finally { await stopProcess(s.proc); await sleep(500); }
    out[name].push(row);
    process.stderr.write(`round ${r} ${name} done\n`);
  }
}
const d = out;
const med = (xs) => { const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b); return v.length ? v[Math.floor((v.length - 1) / 2)] : null; };
const at = (o, p) => p.split('.').reduce((a, k) => (a == null ? a : a[k]), o);
const rows = [
  ['SOCKS5 bulk up x1 (MB/s)', 'socks.bulk.up_x1.MBps'], ['SOCKS5 bulk down x1 (MB/s)', 'socks.bulk.down_x1.MBps'],
  ['SOCKS5 CPU s/GB (up)', 'socks.bulk.up_x1.proxy_cpu_s_per_GB'], ['SOCKS5 CPU s/GB (down)', 'socks.bulk.down_x1.proxy_cpu_s_per_GB'],
  ['SOCKS5 connects sequential (conn/s)', 'socks.connect.seq.cps'], ['SOCKS5 connects 64 in flight (conn/s)', 'socks.connect.par64.cps'],
  ['server CPU ms/conn (64 in flight)', 'socks.connect.par64.proxy_cpu_ms_per_conn'],
  ['ssh -D download, chacha20 (MB/s)', 'ssh.MBps'],
];
const rev = (t) => { try { return execFileSync('git', ['-C', t, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { return t; } };
console.log(`| figure | before (${rev(trees.before)}) | after (${rev(trees.after)}) | after / before | runs (each) |\n|---|---|---|---|---|`);
for (const [label, p] of rows) {
  const b = d.before.map((r) => at(r, p)); const a = d.after.map((r) => at(r, p));
  const mb = med(b), ma = med(a);
  console.log(`| ${label} | ${mb ?? '–'} (${b.join(', ')}) | ${ma ?? '–'} (${a.join(', ')}) | ${mb && ma ? (ma / mb).toFixed(2) + 'x' : '–'} | ${b.length} |`);
}
