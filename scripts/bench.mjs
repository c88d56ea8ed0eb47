#!/usr/bin/env node
// `npm run bench`: prints performance figures for sks5 and sshgate next to their peers (not a test:
// nothing passes or fails except a crash). Loopback only; every process is started here and stopped
// by its PID; the whole run is bounded (default ~6 min, BENCH_QUICK=1 ~1 min, hard deadline below).
//
// Environment:
//   BENCH_QUICK=1            short run (1 s windows, 1000 held tunnels, one round, one cipher)
//   BENCH_ROUNDS=N           rounds of the SOCKS5 and SSH sections (peers interleaved per round; medians)
//   BENCH_DURATION=S         seconds per bulk/connect measurement window
//   BENCH_HOLD=5000          idle tunnels held in the SOCKS5 concurrency phase (comma list allowed)
//   BENCH_ONLY=socks,http,gate,ssh,scale  sections to run (default all; scale: workers 1 vs 2, cluster on vs off)
//   BENCH_SCALE_PARTS=socks,ssh,gate,cluster  parts of the scale section (default all)
//   BENCH_OUT=file.jsonl     also keep the shared harness's raw JSON lines
//   BENCH_HARNESS_DIR=dir    the shared harness (default ../shared/bench next to the repository)
// Needs `npm run build` first (bin/sks5 runs dist/). See docs/performance.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { harnessAvailable, harnessDir } from './bench/harness.mjs';
import { killAllNow, stopAll } from './bench/processes.mjs';
import { hashBenchPassword, hashBenchPasswordLight } from './bench/ours-server.mjs';
import { BASE, runSocksSection, socksTable } from './bench/socks-section.mjs';
import { runGateSection } from './bench/gate-section.mjs';
import { CIPHERS, runSshSection, sshTable } from './bench/ssh-section.mjs';
import { httpTable, runHttpSection } from './bench/http-section.mjs';
import { runScaleSection } from './bench/scale-section.mjs';
import { scaleTable } from './bench/scale-table.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const num = (v, d) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);

function settings() {
  const duration = num(env.BENCH_DURATION, QUICK ? 1 : 3);
  const rounds = num(env.BENCH_ROUNDS, 1);
  return {
    root: ROOT,
    quick: QUICK,
    duration,
    rounds,
    hold: env.BENCH_HOLD ?? (QUICK ? '1000' : '5000'),
    streams: QUICK ? '1' : '1,8',
    sshStreams: '1',
    sshHold: QUICK ? '' : (env.BENCH_HOLD ?? '5000'),
    ciphers: QUICK ? CIPHERS.slice(0, 1) : CIPHERS,
    sections: (env.BENCH_ONLY ?? 'socks,http,gate,ssh,scale').split(',').map((s) => s.trim()),
    scaleParts: env.BENCH_SCALE_PARTS ? env.BENCH_SCALE_PARTS.split(',').map((s) => s.trim()) : undefined,
    socksRunBudgetSecs: 60 + duration * 30,
    sshRunBudgetSecs: 40 + duration * 15,
    // Far above the expected run time: only a hang should ever reach it.
    // (3 rounds took 656 s on 2026-11-30: each extra round of SOCKS5 + SSH adds about 4 minutes.)
    // The scale section adds about 4 minutes per round (225 s on 2026-12-03).
    deadlineSecs: (QUICK ? 420 : 1080) + (rounds - 1) * 540,
  };
}

function machineNotes() {
  const cpu = cpus();
  const ver = (cmd) => spawnSync('bash', ['-c', cmd], { encoding: 'utf8' }).stdout.trim().split('\n')[0] || 'not installed';
  return [
    `- date: ${new Date().toISOString()}; node ${process.version}; kernel ${release()}`,
    `- CPU: ${cpu.length} x ${cpu[0]?.model ?? '?'}; RAM ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    `- peers: microsocks ${ver("dpkg-query -W -f='${Version}' microsocks 2>/dev/null")}; tinyproxy ${ver("dpkg-query -W -f='${Version}' tinyproxy 2>/dev/null")}; ${ver('ssh -V 2>&1')}`,
    `- harness: ${harnessDir(ROOT)}/socks-bench.mjs (bench client, its target and the server share the CPUs: compare ratios, not absolutes)`,
  ].join('\n');
}

/** Warnings our server logged during the run are worth seeing: they usually mean refused tunnels. */
function oursLogSummary(paths) {
  const out = [];
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const lines = readFileSync(p, 'utf8').split('\n').filter((l) => /^\[|"level"/.test(l));
    if (lines.length) out.push(`- ${p.split('/').pop()}: ${lines.length} warn+ log entries, first: ${lines[0].slice(0, 160)}`);
  }
  // socks.log always has 3 on purpose: the policy check's two ACL denials and one wrong password.
  return out.length ? `sks5 server logs (level warn; the SOCKS5 policy check writes 3 of them on purpose):\n${out.join('\n')}` : 'sks5 server logs: no warnings or errors.';
}

async function main() {
  const ctx = settings();
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'sks5.js'))) {
    console.error('bench: dist/ is missing; run `npm run build` first');
    process.exitCode = 1;
    return;
  }
  ctx.dir = mkdtempSync(join(tmpdir(), 'sks5-bench-'));
  ctx.oursLogs = new Set();
  const cleanup = async () => { await stopAll(); rmSync(ctx.dir, { recursive: true, force: true }); };
  const deadline = setTimeout(async () => {
    console.error(`bench: hard deadline (${ctx.deadlineSecs} s) reached, stopping`);
    await cleanup();
    process.exit(2);
  }, ctx.deadlineSecs * 1000);
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, async () => { await cleanup(); process.exit(130); });
  process.once('exit', killAllNow);

  const t0 = Date.now();
  console.log(`# sks5 benchmark${ctx.quick ? ' (quick)' : ''}\n\n${machineNotes()}`);
  console.log(`- settings: ${ctx.duration} s per window, ${ctx.rounds} round(s), hold ${ctx.hold}, streams ${ctx.streams}, SSH ciphers ${ctx.ciphers.join(', ')}`);
  try {
    ctx.passwordHash = hashBenchPassword(ROOT);
    ctx.lightPasswordHash = await hashBenchPasswordLight();
    if (ctx.sections.includes('socks')) {
      console.log('\n## SOCKS5 (RFC 1929 user/password on every peer; sks5 also evaluates its ACL and counts quotas)\n');
      console.log('sks5 = Argon2id hash from `sks5 hash-password` (m=19456 KiB, t=2: ~25 ms per verify, paid once per auth_cache_ttl per user thanks to the verified-password cache); sks5 light-hash = Argon2id m=1024 KiB, t=1 (~0.7 ms): the same code path without the KDF cost.\n');
      if (!harnessAvailable(ROOT)) console.log(`SOCKS: skipped (harness not found in ${harnessDir(ROOT)})`);
      else {
        const socks = await runSocksSection(ctx);
        console.log(socksTable(socks, ctx));
        const done = [...socks.results.values()].flat().filter((r) => !r.error);
        if (env.BENCH_OUT && done.length) appendFileSync(env.BENCH_OUT, `${done.map((r) => JSON.stringify(r)).join('\n')}\n`);
        // The shared summarizer gives the same layout as PEERS.md; only for runs with every phase
        // (a missing phase would print as 0.00 / NaN there).
        const full = done.filter((r) => r.bulk && r.connect && r.hold);
        if (!ctx.quick && full.length) {
          const jsonl = join(ctx.dir, 'socks.jsonl');
          writeFileSync(jsonl, `${full.map((r) => JSON.stringify(r)).join('\n')}\n`);
          const detail = spawnSync(process.execPath, [join(harnessDir(ROOT), 'summarize.mjs'), jsonl, '--ref', BASE], { encoding: 'utf8', timeout: 30_000 });
          if (detail.status === 0) console.log(`\n### Same runs in the PEERS.md layout (shared summarize.mjs)\n\n${detail.stdout.trim()}`);
        }
      }
    }
    if (ctx.sections.includes('http')) {
      console.log('\n## HTTP proxy door (CONNECT) beside the SOCKS5 door and tinyproxy\n');
      console.log(httpTable(await runHttpSection(ctx)));
    }
    if (ctx.sections.includes('gate')) {
      console.log('\n## Gate (sshgate, scripts/bench-gate.mjs)\n');
      console.log(await runGateSection(ctx));
    }
    if (ctx.sections.includes('ssh')) {
      console.log('\n## SSH (`ssh -N -D` through sks5 vs OpenSSH sshd, same OpenSSH client and key)\n');
      if (!harnessAvailable(ROOT)) console.log('SSH: skipped (not available): harness not found');
      else {
        const section = await runSshSection(ctx).catch((err) => ({ skipped: err.message }));
        console.log(sshTable(section, ctx));
        if (env.BENCH_OUT && section.rows) {
          const raw = [...section.rows, section.hold].flatMap((r) => [...r.ours, ...r.openssh]).filter((r) => !r.error);
          if (raw.length) appendFileSync(env.BENCH_OUT, `${raw.map((r) => JSON.stringify(r)).join('\n')}\n`);
        }
      }
    }
    if (ctx.sections.includes('scale')) {
      console.log('\n## Scale: workers 1 vs 2, cluster on vs off (issue 13)\n');
      if (!harnessAvailable(ROOT)) console.log('Scale: skipped (harness not found)');
      else console.log(scaleTable(await runScaleSection(ctx)));
    }
    console.log(`\n${oursLogSummary(ctx.oursLogs)}`);
    console.log(`\nTotal time: ${((Date.now() - t0) / 1000).toFixed(0)} s; load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}

main().catch(async (err) => {
  console.error('bench: crashed:', err);
  await stopAll();
  process.exitCode = 1;
});
