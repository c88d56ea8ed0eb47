// SOCKS5 path: our server (auth + ACL + quotas) side by side with the plain Node pipe baseline
// (peers/node-socks5.mjs with auth) and microsocks with auth, rounds interleaved so machine noise
// spreads over all of them. Every peer is started for its run and stopped by PID right after.
// sks5 runs twice: with the Argon2id hash `sks5 hash-password` makes (what users deploy) and with a
// light Argon2id hash, which isolates the proxy's own per-connection cost from the KDF's.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cpuPerGB, fmt, harnessDir, median, ratio, runHarness, total } from './harness.mjs';
import { freePort, sleep, startProcess, stopProcess, waitPort } from './processes.mjs';
import { BENCH_PASS, BENCH_USER, startOurs } from './ours-server.mjs';
import { socksConnect, withEchoServer } from './socks-probe.mjs';

export const OURS = 'sks5';
export const OURS_LIGHT = 'sks5 light-hash';
export const BASE = 'node-socks5';
export const MICRO = 'microsocks';

function microsocksInstalled() {
  return spawnSync('bash', ['-c', 'command -v microsocks'], { encoding: 'utf8' }).status === 0;
}

/** Starts one peer; returns { proc, proxy } with proxy = "127.0.0.1:port". */
async function startPeer(name, ctx) {
  if (name === OURS || name === OURS_LIGHT) {
    const passwordHash = name === OURS ? ctx.passwordHash : ctx.lightPasswordHash;
    const s = await startOurs(ctx.root, ctx.dir, { withSocks: true, passwordHash, label: name === OURS ? 'socks' : 'socks-light' });
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

/**
 * Which phases each peer runs. The light-hash run skips bulk (auth happens once per tunnel, so
 * its data path is the default run's). In quick mode the default-hash run skips the hold: at
 * ~25 ms of Argon2 per handshake it would spend the harness's whole 30 s open window on it.
 */
function phasesFor(name, ctx) {
  if (name === OURS_LIGHT) return 'connect,hold';
  if (name === OURS && ctx.quick) return 'bulk,connect';
  return 'bulk,connect,hold';
}

/**
 * Proves the policy is really on before measuring it: an allowed target echoes, a target the user
 * ACL denies (127.0.0.1:22) and one no allow rule covers (127.0.0.1:80) get reply 2 (not allowed),
 * not 5 (refused), i.e. they are stopped by the ACL and not by the missing listener.
 */
export async function checkOurPolicy(proxy) {
  const proxyPort = Number(proxy.split(':').pop());
  const auth = { proxyPort, user: BENCH_USER, pass: BENCH_PASS };
  const allowed = await withEchoServer(async (targetPort) => (await socksConnect({ ...auth, targetPort })).echoed);
  const denied22 = (await socksConnect({ ...auth, targetPort: 22 })).rep;
  const denied80 = (await socksConnect({ ...auth, targetPort: 80 })).rep;
  const wrongPass = (await socksConnect({ ...auth, pass: 'wrong', targetPort: 80 })).rep;
  const ok = allowed && denied22 === 2 && denied80 === 2 && wrongPass === -1;
  return `policy check (sks5): allowed target echoed: ${allowed}; user-ACL deny 127.0.0.1:22 -> reply ${denied22}; `
    + `default-deny 127.0.0.1:80 -> reply ${denied80}; wrong password -> ${wrongPass === -1 ? 'auth refused' : `reply ${wrongPass}`}`
    + ` => ${ok ? 'auth and ACL active' : 'UNEXPECTED: figures may not include policy cost'}`;
}

/** Runs every round; returns Map(label -> harness results). */
export async function runSocksSection(ctx) {
  const peers = [OURS, OURS_LIGHT, BASE, ...(microsocksInstalled() ? [MICRO] : [])];
  const results = new Map(peers.map((p) => [p, []]));
  let policyNote = 'policy check (sks5): not run';
  for (let round = 1; round <= ctx.rounds; round++) {
    for (const name of peers) {
      process.stderr.write(`SOCKS5 round ${round}/${ctx.rounds}: ${name}\n`);
      let peer;
      try {
        peer = await startPeer(name, ctx);
        if (name === OURS && round === 1) policyNote = await checkOurPolicy(peer.proxy);
        await sleep(300);
        const r = await runHarness(ctx.root, {
          label: name, proxy: peer.proxy, user: BENCH_USER, pass: BENCH_PASS, pid: peer.proc.pid,
          duration: ctx.duration, streams: ctx.streams, hold: ctx.hold, phases: phasesFor(name, ctx),
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
  return { peers, results, policyNote };
}

function holdCells(runs, key) {
  const p = `hold.${key}`;
  const req = median(runs, `${p}.requested`);
  return {
    opened: `${fmt(median(runs, `${p}.opened`), 0)} of ${fmt(req, 0)}`,
    echo: `${fmt(median(runs, `${p}.echo_ok`), 0)}`,
    fails: `${total(runs, `${p}.open_fails`) + total(runs, `${p}.echo_fail`)}`,
    openSecs: median(runs, `${p}.open_secs`),
    rssIdle: median(runs, `${p}.proxy_before.rss_mib`),
    rssHold: median(runs, `${p}.proxy_holding.rss_mib`),
    rssPerConn: median(runs, `${p}.rss_per_conn_kib`),
    pssPerConn: median(runs, `${p}.pss_per_conn_kib`),
  };
}

/**
 * Markdown: one row per metric; columns are the peers plus ratios against the node-socks5 baseline
 * (sks5 and sks5 light-hash) and against microsocks (sks5). Ratios are always ours / peer: the
 * metric label says whether lower is better.
 */
export function socksTable({ peers, results, policyNote }, ctx) {
  const ok = (name) => (results.get(name) ?? []).filter((r) => !r.error);
  const hasMicro = peers.includes(MICRO);
  const [o, l, b, m] = [ok(OURS), ok(OURS_LIGHT), ok(BASE), ok(MICRO)];
  const head = ['metric', OURS, OURS_LIGHT, `${BASE} (baseline)`, `${OURS} / baseline`, `light / baseline`,
    ...(hasMicro ? [MICRO, `${OURS} / ${MICRO}`] : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const row = (label, get, digits) => {
    const [vo, vl, vb, vm] = [get(o), get(l), get(b), get(m)];
    const cells = [fmt(vo, digits), fmt(vl, digits), fmt(vb, digits), ratio(vo, vb), ratio(vl, vb), ...(hasMicro ? [fmt(vm, digits), ratio(vo, vm)] : [])];
    lines.push(`| ${label} | ${cells.join(' | ')} |`);
  };
  const text = (label, get) => {
    const cells = [get(o), get(l), get(b), '', '', ...(hasMicro ? [get(m), ''] : [])];
    lines.push(`| ${label} | ${cells.join(' | ')} |`);
  };
  const has = (rs, path) => median(rs, path) != null;
  for (const n of ctx.streams.split(',')) {
    row(`bulk upload x${n} (MB/s)`, (rs) => median(rs, `bulk.up_x${n}.MBps`));
    row(`bulk download x${n} (MB/s)`, (rs) => median(rs, `bulk.down_x${n}.MBps`));
  }
  row('proxy CPU s per GB (lower = better)', (rs) => cpuPerGB(rs));
  row('connect+echo sequential (conn/s)', (rs) => median(rs, 'connect.seq.cps'));
  text('sequential p50 / p99 (ms)', (rs) => (has(rs, 'connect.seq.p50_ms') ? `${fmt(median(rs, 'connect.seq.p50_ms'), 2)} / ${fmt(median(rs, 'connect.seq.p99_ms'), 2)}` : '–'));
  row('connect+echo 64 in flight (conn/s)', (rs) => median(rs, 'connect.par64.cps'));
  text('64 in flight p50 / p99 (ms)', (rs) => (has(rs, 'connect.par64.p50_ms') ? `${fmt(median(rs, 'connect.par64.p50_ms'), 1)} / ${fmt(median(rs, 'connect.par64.p99_ms'), 1)}` : '–'));
  row('proxy CPU ms per conn (lower = better)', (rs) => median(rs, 'connect.par64.proxy_cpu_ms_per_conn'), 3);
  text('connect failures (all rounds)', (rs) => (rs.length ? `${total(rs, 'connect.seq.fails') + total(rs, 'connect.par64.fails')}` : '–'));
  for (const c of ctx.hold.split(',')) {
    const key = `c${c}`;
    const held = (rs, f) => (has(rs, `hold.${key}.requested`) ? f(holdCells(rs, key)) : '–');
    text(`hold ${c}: opened / echo ok`, (rs) => held(rs, (h) => `${h.opened} / ${h.echo}`));
    text(`hold ${c}: failures (open + echo, all rounds)`, (rs) => held(rs, (h) => h.fails));
    row(`hold ${c}: open time (s, lower = better)`, (rs) => holdCells(rs, key).openSecs);
    text(`hold ${c}: proxy RSS idle → holding (MiB)`, (rs) => held(rs, (h) => `${fmt(h.rssIdle, 0)} → ${fmt(h.rssHold, 0)}`));
    // A negative growth means the process freed more (e.g. Argon2's 19 MiB working buffers) than
    // the tunnels took: no per-tunnel figure can be read from that run.
    const perTunnel = (v) => (v != null && v < 0 ? null : v);
    row(`hold ${c}: RSS per idle tunnel (KiB, lower = better)`, (rs) => perTunnel(holdCells(rs, key).rssPerConn), 1);
    row(`hold ${c}: PSS per idle tunnel (KiB, lower = better)`, (rs) => perTunnel(holdCells(rs, key).pssPerConn), 1);
  }
  const runs = (name) => `${ok(name).length}/${(results.get(name) ?? []).length}`;
  lines.push('', 'Hold: the harness opens tunnels (128 handshakes in flight) for at most max(30 s, 10 x window); tunnels not opened by then are counted as not opened, not as failures. Failures = open errors + echo-check errors. Per-tunnel memory = (RSS holding - RSS before) / tunnels opened; shown as – when RSS fell (the sks5 default-hash run frees Argon2 buffers while holding: read the light-hash column).');
  lines.push('', `${policyNote}.`);
  lines.push('', `Runs that completed: ${peers.map((p) => `${p} ${runs(p)}`).join(', ')}.`);
  for (const p of peers) for (const r of results.get(p) ?? []) if (r.error) lines.push(`- ${p}: run failed: ${r.error}`);
  if (!hasMicro) lines.push('microsocks: not installed (apt-get install microsocks), column omitted.');
  return lines.join('\n');
}
