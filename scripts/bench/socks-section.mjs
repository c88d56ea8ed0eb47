// SOCKS5 path: our server (auth + ACL + quotas) side by side with the plain Node pipe baseline
// (peers/node-socks5.mjs with auth) and microsocks with auth, rounds interleaved so machine noise
// spreads over all three. Every peer is started for its run and stopped by PID right after.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cpuPerGB, fmt, harnessDir, median, ratio, runHarness, total } from './harness.mjs';
import { freePort, sleep, startProcess, stopProcess, waitPort } from './processes.mjs';
import { BENCH_PASS, BENCH_USER, startOurs } from './ours-server.mjs';

const OURS = 'sks5 (auth+ACL)';
const BASE = 'node-socks5 (auth)';
const MICRO = 'microsocks (auth)';

function microsocksInstalled() {
  return spawnSync('bash', ['-c', 'command -v microsocks'], { encoding: 'utf8' }).status === 0;
}

/** Starts one peer; returns { proc, proxy } with proxy = "127.0.0.1:port". */
async function startPeer(name, ctx) {
  if (name === OURS) {
    const s = await startOurs(ctx.root, ctx.dir, { withSocks: true, passwordHash: ctx.passwordHash, label: 'socks' });
    ctx.oursLogs.add(s.logPath);
    return { proc: s.proc, proxy: `127.0.0.1:${s.socksPort}` };
  }
  const port = await freePort();
  const proc = name === BASE
    ? startProcess(name, process.execPath, [join(harnessDir(ctx.root), 'peers', 'node-socks5.mjs'), String(port), BENCH_USER, BENCH_PASS])
    : startProcess(name, 'microsocks', ['-i', '127.0.0.1', '-p', String(port), '-u', BENCH_USER, '-P', BENCH_PASS]);
  await waitPort(port, proc);
  return { proc, proxy: `127.0.0.1:${port}` };
}

/** Runs every round; returns Map(label -> harness results). */
export async function runSocksSection(ctx) {
  const peers = [OURS, BASE, ...(microsocksInstalled() ? [MICRO] : [])];
  const results = new Map(peers.map((p) => [p, []]));
  for (let round = 1; round <= ctx.rounds; round++) {
    for (const name of peers) {
      process.stderr.write(`SOCKS5 round ${round}/${ctx.rounds}: ${name}\n`);
      let peer;
      try {
        peer = await startPeer(name, ctx);
        await sleep(300);
        const r = await runHarness(ctx.root, {
          label: name, proxy: peer.proxy, user: BENCH_USER, pass: BENCH_PASS, pid: peer.proc.pid,
          duration: ctx.duration, streams: ctx.streams, hold: ctx.hold, phases: 'bulk,connect,hold',
        }, ctx.socksRunBudgetSecs);
        results.get(name).push(r);
      } catch (err) {
        results.get(name).push({ label: name, error: err.message });
      } finally {
        await stopProcess(peer?.proc);
      }
      await sleep(500); // let TIME_WAIT and the previous peer's memory settle
    }
  }
  return { peers, results, microsocks: peers.includes(MICRO) };
}

function holdCells(runs, key) {
  const p = `hold.${key}`;
  const req = median(runs, `${p}.requested`);
  return {
    opened: `${fmt(median(runs, `${p}.opened`), 0)} / ${fmt(req, 0)}`,
    echo: `${fmt(median(runs, `${p}.echo_ok`), 0)}`,
    fails: `${total(runs, `${p}.open_fails`) + total(runs, `${p}.echo_fail`)}`,
    openSecs: median(runs, `${p}.open_secs`),
    rssIdle: median(runs, `${p}.proxy_before.rss_mib`),
    rssHold: median(runs, `${p}.proxy_holding.rss_mib`),
    rssPerConn: median(runs, `${p}.rss_per_conn_kib`),
    pssPerConn: median(runs, `${p}.pss_per_conn_kib`),
  };
}

/** Markdown: one row per metric, columns ours | baseline | ratio | microsocks | ratio. */
export function socksTable({ peers, results }, ctx) {
  const ok = (name) => (results.get(name) ?? []).filter((r) => !r.error);
  const [o, b, m] = [ok(OURS), ok(BASE), ok(MICRO)];
  const hasMicro = peers.includes(MICRO);
  const lines = [];
  const head = ['metric', OURS, BASE, 'ours / baseline', ...(hasMicro ? [MICRO, 'ours / microsocks'] : [])];
  lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  // Ratios are always ours / peer; the metric label says whether lower is better.
  const row = (label, get, { digits } = {}) => {
    const [vo, vb, vm] = [get(o), get(b), get(m)];
    lines.push(`| ${label} | ${fmt(vo, digits)} | ${fmt(vb, digits)} | ${ratio(vo, vb)} |${hasMicro ? ` ${fmt(vm, digits)} | ${ratio(vo, vm)} |` : ''}`);
  };
  const text = (label, get) => lines.push(`| ${label} | ${get(o)} | ${get(b)} | |${hasMicro ? ` ${get(m)} | |` : ''}`);
  for (const n of ctx.streams.split(',')) {
    row(`bulk upload x${n} (MB/s)`, (rs) => median(rs, `bulk.up_x${n}.MBps`));
    row(`bulk download x${n} (MB/s)`, (rs) => median(rs, `bulk.down_x${n}.MBps`));
  }
  row('proxy CPU s per GB (lower = better)', (rs) => cpuPerGB(rs));
  row('connect+echo sequential (conn/s)', (rs) => median(rs, 'connect.seq.cps'));
  text('sequential p50 / p99 (ms)', (rs) => `${fmt(median(rs, 'connect.seq.p50_ms'), 2)} / ${fmt(median(rs, 'connect.seq.p99_ms'), 2)}`);
  row('connect+echo 64 in flight (conn/s)', (rs) => median(rs, 'connect.par64.cps'));
  text('64 in flight p50 / p99 (ms)', (rs) => `${fmt(median(rs, 'connect.par64.p50_ms'), 1)} / ${fmt(median(rs, 'connect.par64.p99_ms'), 1)}`);
  row('proxy CPU ms per conn (lower = better)', (rs) => median(rs, 'connect.par64.proxy_cpu_ms_per_conn'), { digits: 3 });
  text('connect failures (all rounds)', (rs) => `${total(rs, 'connect.seq.fails') + total(rs, 'connect.par64.fails')}`);
  for (const c of ctx.hold.split(',')) {
    const key = `c${c}`;
    text(`hold ${c}: opened / echo ok`, (rs) => { const h = holdCells(rs, key); return `${h.opened} / ${h.echo}`; });
    text(`hold ${c}: failures (open + echo, all rounds)`, (rs) => holdCells(rs, key).fails);
    row(`hold ${c}: open time (s, lower = better)`, (rs) => holdCells(rs, key).openSecs);
    text(`hold ${c}: proxy RSS idle → holding (MiB)`, (rs) => { const h = holdCells(rs, key); return `${fmt(h.rssIdle, 0)} → ${fmt(h.rssHold, 0)}`; });
    row(`hold ${c}: RSS per idle tunnel (KiB, lower = better)`, (rs) => holdCells(rs, key).rssPerConn, { digits: 1 });
    row(`hold ${c}: PSS per idle tunnel (KiB, lower = better)`, (rs) => holdCells(rs, key).pssPerConn, { digits: 1 });
  }
  const runs = (name) => `${ok(name).length}/${(results.get(name) ?? []).length}`;
  lines.push('', `Runs that completed: ${peers.map((p) => `${p} ${runs(p)}`).join(', ')}.`);
  for (const p of peers) for (const r of results.get(p) ?? []) if (r.error) lines.push(`- ${p}: run failed: ${r.error}`);
  if (!hasMicro) lines.push('microsocks: not installed (apt-get install microsocks), column omitted.');
  return lines.join('\n');
}
