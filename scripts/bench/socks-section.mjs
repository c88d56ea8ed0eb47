// SOCKS5 path: our server (auth + ACL + quotas) side by side with the plain Node pipe baseline
// (peers/node-socks5.mjs with auth) and microsocks with auth, rounds interleaved so machine noise
// spreads over all of them. Every peer is started for its run and stopped by PID right after.
// sks5 runs twice: with the Argon2id hash `sks5 hash-password` makes (what users deploy) and with a
// light Argon2id hash, which isolates the proxy's own per-connection cost from the KDF's; both with
// every admission and quota check on. A third run, "policy-off", has the light hash and as little
// admission and quota work as the config allows: light-hash / policy-off is what that policy costs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cpuPerGB, fmt, harnessDir, median, ratio, runHarness, total } from './harness.mjs';
import { freePort, sleep, startProcess, stopProcess, waitPort } from './processes.mjs';
import { BENCH_PASS, BENCH_USER, startOurs } from './ours-server.mjs';
import { socksConnect, withEchoServer } from './socks-probe.mjs';

export const OURS = 'sks5';
export const OURS_LIGHT = 'sks5 light-hash';
export const OURS_OFF = 'sks5 policy-off';
export const BASE = 'node-socks5';
export const MICRO = 'microsocks';

function microsocksInstalled() {
  return spawnSync('bash', ['-c', 'command -v microsocks'], { encoding: 'utf8' }).status === 0;
}

/** Starts one peer; returns { proc, proxy } with proxy = "127.0.0.1:port". */
async function startPeer(name, ctx) {
  if (name === OURS || name === OURS_LIGHT || name === OURS_OFF) {
    const passwordHash = name === OURS ? ctx.passwordHash : ctx.lightPasswordHash;
    const label = { [OURS]: 'socks', [OURS_LIGHT]: 'socks-light', [OURS_OFF]: 'socks-policy-off' }[name];
    const policy = name === OURS_OFF ? 'off' : 'full';
    const s = await startOurs(ctx.root, ctx.dir, { withSocks: true, passwordHash, label, policy });
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
 * Which phases each peer runs. light-hash and policy-off run bulk too (their ratio is the cost of
 * the per-chunk quota accounting) but with 1 stream only, and policy-off skips the hold, so the
 * comparison adds about one peer's worth of time to the run. In quick mode the default-hash run
 * skips the hold: at ~25 ms per Argon2 verify its first handshakes fill the 30 s open window.
 */
function phasesFor(name, ctx) {
  if (name === OURS_LIGHT) return 'bulk,connect,hold';
  if (name === OURS_OFF) return 'bulk,connect';
  if (name === OURS && ctx.quick) return 'bulk,connect';
  return 'bulk,connect,hold';
}

function streamsFor(name, ctx) {
  return name === OURS_LIGHT || name === OURS_OFF ? '1' : ctx.streams;
}

/**
 * The policy-off server really has no ACL in the way: 127.0.0.1:80 (denied on the full servers)
 * gets past the ACL and fails at the connect (reply 5 when nothing listens there, 0 if something does).
 */
export async function checkPolicyOff(proxy) {
  const proxyPort = Number(proxy.split(':').pop());
  const auth = { proxyPort, user: BENCH_USER, pass: BENCH_PASS };
  const allowed = await withEchoServer(async (targetPort) => (await socksConnect({ ...auth, targetPort })).echoed);
  const port80 = (await socksConnect({ ...auth, targetPort: 80 })).rep;
  const ok = allowed && port80 !== 2 && port80 !== -1;
  return `policy check (sks5 policy-off): allowed target echoed: ${allowed}; 127.0.0.1:80 -> reply ${port80}`
    + ` => ${ok ? 'no ACL denial' : 'UNEXPECTED'}`;
}

/**
 * Proves the policy is really on before measuring it: an allowed target echoes, a target the user
 * ACL denies (127.0.0.1:22) and one no allow rule covers (127.0.0.1:80) get reply 2 (not allowed),
 * not 5 (refused), i.e. they are stopped by the ACL and not by the missing listener.
 */
export async function checkOurPolicy(proxy, name = OURS) {
  const proxyPort = Number(proxy.split(':').pop());
  const auth = { proxyPort, user: BENCH_USER, pass: BENCH_PASS };
  const allowed = await withEchoServer(async (targetPort) => (await socksConnect({ ...auth, targetPort })).echoed);
  const denied22 = (await socksConnect({ ...auth, targetPort: 22 })).rep;
  const denied80 = (await socksConnect({ ...auth, targetPort: 80 })).rep;
  const wrongPass = (await socksConnect({ ...auth, pass: 'wrong', targetPort: 80 })).rep;
  const ok = allowed && denied22 === 2 && denied80 === 2 && wrongPass === -1;
  return `policy check (${name}): allowed target echoed: ${allowed}; user-ACL deny 127.0.0.1:22 -> reply ${denied22}; `
    + `default-deny 127.0.0.1:80 -> reply ${denied80}; wrong password -> ${wrongPass === -1 ? 'auth refused' : `reply ${wrongPass}`}`
    + ` => ${ok ? 'auth and ACL active' : 'UNEXPECTED: figures may not include policy cost'}`;
}

/** Runs every round; returns Map(label -> harness results). */
export async function runSocksSection(ctx) {
  const peers = [OURS, OURS_LIGHT, OURS_OFF, BASE, ...(microsocksInstalled() ? [MICRO] : [])];
  const results = new Map(peers.map((p) => [p, []]));
  const notes = new Map();
  for (let round = 1; round <= ctx.rounds; round++) {
    // light-hash and policy-off swap places every round so neither always runs right after the
    // default-hash server (whose Argon2 burst leaves the machine warmer).
    const order = round % 2 ? peers : peers.map((p) => (p === OURS_LIGHT ? OURS_OFF : p === OURS_OFF ? OURS_LIGHT : p));
    for (const name of order) {
      process.stderr.write(`SOCKS5 round ${round}/${ctx.rounds}: ${name}\n`);
      let peer;
      try {
        peer = await startPeer(name, ctx);
        if (round === 1 && (name === OURS || name === OURS_LIGHT)) notes.set(name, await checkOurPolicy(peer.proxy, name));
        if (round === 1 && name === OURS_OFF) notes.set(name, await checkPolicyOff(peer.proxy));
        await sleep(300);
        const r = await runHarness(ctx.root, {
          label: name, proxy: peer.proxy, user: BENCH_USER, pass: BENCH_PASS, pid: peer.proc.pid,
          duration: ctx.duration, streams: streamsFor(name, ctx), hold: ctx.hold, phases: phasesFor(name, ctx),
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
  const policyNote = [OURS, OURS_LIGHT, OURS_OFF].map((n) => notes.get(n) ?? `policy check (${n}): not run`).join('.\n');
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

/** (full - off) / off as a signed percentage: what switching the policy on changes. */
function change(full, off) {
  if (full == null || off == null || !off) return '–';
  const pct = ((full - off) / off) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %`;
}

/**
 * The admission + quota cost: light-hash (every check on) against policy-off (as few as the config
 * allows), same light Argon2id hash, same phases. Ratios are full / off.
 */
function policyCostTable(full, off) {
  const lines = [
    '### Cost of admission and quota accounting (sks5 light-hash = full policy, sks5 policy-off = minimal)',
    '',
    '| metric | full policy | policy off | full / off | change |',
    '|---|---|---|---|---|',
  ];
  const row = (label, get, digits) => {
    const [vf, vo] = [get(full), get(off)];
    lines.push(`| ${label} | ${fmt(vf, digits)} | ${fmt(vo, digits)} | ${ratio(vf, vo)} | ${change(vf, vo)} |`);
  };
  row('bulk upload x1 (MB/s)', (rs) => median(rs, 'bulk.up_x1.MBps'));
  row('bulk download x1 (MB/s)', (rs) => median(rs, 'bulk.down_x1.MBps'));
  row('proxy CPU s per GB (lower = better)', (rs) => cpuPerGB(rs));
  row('connect+echo sequential (conn/s)', (rs) => median(rs, 'connect.seq.cps'));
  row('connect+echo 64 in flight (conn/s)', (rs) => median(rs, 'connect.par64.cps'));
  row('proxy CPU ms per conn, 64 in flight (lower = better)', (rs) => median(rs, 'connect.par64.proxy_cpu_ms_per_conn'), 3);
  lines.push('', 'Both use the light Argon2id hash (m=1024 KiB, t=1), and the verified-password cache'
    + ' (security.auth_cache_ttl, 300 s) makes every connection after the first skip even that in both,'
    + ' so the difference is the admission checks, rate windows, connection and byte quotas and ACL rules.'
    + ' The goal in issue 5 is a cost under 10 %, i.e. full / off >= 0.90 for rates and <= 1.10 for CPU;'
    + ' on a shared 2-core machine one run moves by more than that, so compare several runs.');
  return lines.join('\n');
}

/**
 * Markdown: one row per metric; columns are the peers plus ratios against the node-socks5 baseline
 * (sks5 and sks5 light-hash) and against microsocks (sks5). Ratios are always ours / peer: the
 * metric label says whether lower is better.
 */
export function socksTable({ peers, results, policyNote }, ctx) {
  const ok = (name) => (results.get(name) ?? []).filter((r) => !r.error);
  const hasMicro = peers.includes(MICRO);
  const [o, l, f, b, m] = [ok(OURS), ok(OURS_LIGHT), ok(OURS_OFF), ok(BASE), ok(MICRO)];
  const head = ['metric', OURS, OURS_LIGHT, OURS_OFF, `${BASE} (baseline)`, `${OURS} / baseline`, `light / baseline`,
    ...(hasMicro ? [MICRO, `${OURS} / ${MICRO}`] : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const row = (label, get, digits) => {
    const [vo, vl, vf, vb, vm] = [get(o), get(l), get(f), get(b), get(m)];
    const cells = [fmt(vo, digits), fmt(vl, digits), fmt(vf, digits), fmt(vb, digits), ratio(vo, vb), ratio(vl, vb), ...(hasMicro ? [fmt(vm, digits), ratio(vo, vm)] : [])];
    lines.push(`| ${label} | ${cells.join(' | ')} |`);
  };
  const text = (label, get) => {
    const cells = [get(o), get(l), get(f), get(b), '', '', ...(hasMicro ? [get(m), ''] : [])];
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
  lines.push('', policyCostTable(l, f));
  lines.push('', `${policyNote}.`);
  lines.push('', `Runs that completed: ${peers.map((p) => `${p} ${runs(p)}`).join(', ')}.`);
  for (const p of peers) for (const r of results.get(p) ?? []) if (r.error) lines.push(`- ${p}: run failed: ${r.error}`);
  if (!hasMicro) lines.push('microsocks: not installed (apt-get install microsocks), column omitted.');
  return lines.join('\n');
}
