#!/usr/bin/env node
// Benchmark for bin/sshgate (not a test; prints figures). Loopback only, bounded in time (~40 s).
//   node scripts/bench-gate.mjs [--duration 3] [--json] [--workers N]      (BENCH_GATE_NODE_ARGS='--cpu-prof' profiles the gate)
// Compares "direct" (client -> target) with "gate" (client -> sshgate -> target) for:
//   bulk upload / download over one stream, sequential and parallel (32 in flight) connections
//   (TCP connect + banner + ident/KEXINIT + 32-byte echo + close), and the added latency (p50/p99).
// The target is a child process that answers like an SSH server: banner first, then it skips the
// client's ident line and first packet and acts on one mode byte (E echo, S sink, D source).
// Connections come from rotating 127.x.y.z source addresses because the gate's per-source limit
// (1/s, burst 120) would otherwise throttle a single-source benchmark.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFingerprint, kexinitPacket } from './bench/gate-kexinit.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const DURATION = Number(argv[argv.indexOf('--duration') + 1] || 0) || 3;
// Connections held open through each relay at once (0 = skip the hold phase).
const HOLD = argv.includes('--hold') ? Number(argv[argv.indexOf('--hold') + 1]) : 5000;
const JSON_OUT = argv.includes('--json');
// sshgate serve --workers (1 = one process, as before).
const WORKERS = argv.includes('--workers') ? Number(argv[argv.indexOf('--workers') + 1]) : 1;
const IDENT = Buffer.from('SSH-2.0-OpenSSH_9.2p1 bench\r\n');
const HARD_DEADLINE = setTimeout(() => { console.error('bench: hard deadline reached'); process.exit(2); }, 170_000);

const KEXINIT = kexinitPacket();

const TARGET_SRC = `
const net = require('node:net');
const CHUNK = Buffer.alloc(1 << 20, 0x5a);
const srv = net.createServer((s) => {
  s.setNoDelay(true);
  s.write('SSH-2.0-BenchTarget_1.0\\r\\n');
  let buf = Buffer.alloc(0), stage = 0, count = 0;
  s.on('error', () => {});
  s.on('data', (d) => {
    if (stage === 3) { count += d.length; return; }
    buf = Buffer.concat([buf, d]);
    if (stage === 0) { const nl = buf.indexOf(10); if (nl < 0) return; buf = buf.subarray(nl + 1); stage = 1; }
    if (stage === 1) { if (buf.length < 4) return; const n = buf.readUInt32BE(0) + 4; if (buf.length < n) return; buf = buf.subarray(n); stage = 2; }
    if (stage === 2) {
      if (buf.length < 1) return;
      const mode = String.fromCharCode(buf[0]); const rest = buf.subarray(1); stage = 4;
      if (mode === 'E') { s.removeAllListeners('data'); if (rest.length) s.write(rest); s.pipe(s); }
      else if (mode === 'S') { stage = 3; count = rest.length; s.on('end', () => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(count)); s.end(b); }); }
      else if (mode === 'D') { const pump = () => { while (s.write(CHUNK)) {} }; s.on('drain', pump); pump(); }
    }
  });
});
srv.listen(0, '127.0.0.1', () => process.send(srv.address().port));
`;

function startTarget() {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['-e', TARGET_SRC], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    p.once('message', (port) => resolve({ port, proc: p }));
  });
}

let srcCounter = 0;
function nextSource() {
  srcCounter++;
  return `127.${1 + ((srcCounter >> 16) & 0x7f)}.${(srcCounter >> 8) & 0xff}.${srcCounter & 0xff || 1}`;
}

/**
 * Like OpenSSH: sends its identification at once, waits for the server's banner line, then sends
 * KEXINIT + mode byte; resolves with the socket. (Sending the ident first is also what lets a
 * content-inspecting haproxy decide: it waits for client bytes before dialing the backend.)
 */
function open(port, mode) {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: nextSource() });
    s.setNoDelay(true);
    s.write(IDENT);
    let got = Buffer.alloc(0);
    const onData = (d) => {
      got = Buffer.concat([got, d]);
      const nl = got.indexOf(10);
      if (nl < 0) return;
      s.off('data', onData);
      s.write(Buffer.concat([KEXINIT, Buffer.from(mode)]));
      resolve({ s, extra: got.subarray(nl + 1) });
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

async function echoOnce(port) {
  const t0 = performance.now();
  const { s, extra } = await open(port, 'E');
  const msg = Buffer.alloc(32, 0x61);
  await new Promise((resolve, reject) => {
    let n = extra.length;
    s.on('data', (d) => { n += d.length; if (n >= 32) resolve(); });
    s.once('close', () => reject(new Error('closed before echo')));
    s.write(msg);
  });
  s.destroy();
  return performance.now() - t0;
}

async function connectPhase(port, inflight) {
  const lat = [];
  let fails = 0;
  const until = performance.now() + DURATION * 1000;
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (performance.now() < until) {
      try { lat.push(await echoOnce(port)); } catch { fails++; }
    }
  }));
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { conns_per_s: lat.length / DURATION, p50_ms: q(0.5), p99_ms: q(0.99), fails };
}

async function uploadPhase(port) {
  const { s } = await open(port, 'S');
  const chunk = Buffer.alloc(1 << 16, 0x42);
  const until = performance.now() + DURATION * 1000;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const pump = () => { while (performance.now() < until) { if (!s.write(chunk)) return; } s.end(); resolve(); };
    s.on('drain', pump);
    pump();
  });
  const total = await new Promise((resolve) => {
    const parts = [];
    s.on('data', (d) => parts.push(d));
    s.on('close', () => { const b = Buffer.concat(parts); resolve(b.length >= 8 ? Number(b.readBigUInt64BE(b.length - 8)) : 0); });
  });
  return total / ((performance.now() - t0) / 1000) / 1e6;
}

async function downloadPhase(port) {
  const { s } = await open(port, 'D');
  let n = 0;
  const t0 = performance.now();
  s.on('data', (d) => { n += d.length; });
  await new Promise((r) => setTimeout(r, DURATION * 1000));
  s.destroy();
  return n / ((performance.now() - t0) / 1000) / 1e6;
}

/** The process and its children (sshgate --workers), from /proc. */
function family(pid) {
  try {
    return [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];
  } catch { return [pid]; }
}

/** User + system CPU seconds of a process and its children so far, from /proc (NaN when unreadable). */
function cpuSecs(pid) {
  try {
    let ticks = 0;
    for (const p of family(pid)) {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime in clock ticks (USER_HZ = 100)
    }
    return ticks / 100;
  } catch { return NaN; }
}

/** Resident set of a process and its children, from /proc (MiB). */
function rssMiB(pid) {
  try {
    let kb = 0;
    for (const p of family(pid)) {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (!m) return NaN;
      kb += Number(m[1]);
    }
    return kb / 1024;
  } catch { return NaN; }
}

/**
 * Opens HOLD echo connections through the relay (128 handshakes in flight, 30 s at most), keeps them
 * all open, echo-checks every one (64 at a time), then closes them. Failures = open errors + echo errors.
 */
async function holdPhase(port, pid) {
  const before = rssMiB(pid);
  const held = [];
  let openFails = 0;
  let next = 0;
  const until = performance.now() + 30_000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 128 }, async () => {
    while (next < HOLD && performance.now() < until) {
      next++;
      try {
        const { s, extra } = await open(port, 'E');
        s.on('error', () => {});
        held.push({ s, extra });
      } catch { openFails++; }
    }
  }));
  const openSecs = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const holding = rssMiB(pid);
  let echoOk = 0;
  let echoFail = 0;
  for (let i = 0; i < held.length; i += 64) {
    await Promise.all(held.slice(i, i + 64).map(({ s, extra }) => new Promise((resolve) => {
      let n = extra.length;
      const timer = setTimeout(() => { echoFail++; resolve(); }, 10_000);
      s.on('data', (d) => { n += d.length; if (n >= extra.length + 8) { clearTimeout(timer); echoOk++; resolve(); } });
      s.once('close', () => { clearTimeout(timer); if (n < extra.length + 8) { echoFail++; resolve(); } });
      s.write(Buffer.alloc(8, 0x68));
    })));
  }
  for (const { s } of held) s.destroy();
  return { requested: HOLD, opened: held.length, open_fails: openFails, open_secs: openSecs, echo_ok: echoOk, echo_fail: echoFail,
    rss_before_mib: before, rss_holding_mib: holding, kib_per_conn: held.length ? ((holding - before) * 1024) / held.length : NaN };
}

async function measure(label, port, pid) {
  const r = { label };
  r.upload_MBps = await uploadPhase(port);
  r.download_MBps = await downloadPhase(port);
  r.seq = await connectPhase(port, 1);
  const cpu0 = pid === undefined ? NaN : cpuSecs(pid);
  r.par32 = await connectPhase(port, 32);
  const conns = r.par32.conns_per_s * DURATION;
  r.par32.cpu_ms_per_conn = conns > 0 ? ((cpuSecs(pid) - cpu0) * 1000) / conns : NaN;
  if (HOLD > 0 && pid !== undefined) r.hold = await holdPhase(port, pid);
  return r;
}

/** haproxy in TCP mode doing the gate's job (admit only an SSH-2.0 ident), if installed. */
async function startHaproxy(dir, targetPort) {
  if (spawnSync('bash', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).status !== 0) return undefined;
  const port = await new Promise((resolve) => { const srv = createServer(); srv.listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); }); });
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, [
    'global', '  maxconn 9000', 'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 60s', '  timeout server 60s',
    'frontend gate', `  bind 127.0.0.1:${port}`, '  tcp-request inspect-delay 5s',
    '  tcp-request content accept if { req.payload(0,8) -m str SSH-2.0- }', '  tcp-request content reject', '  default_backend target',
    'backend target', `  server t 127.0.0.1:${targetPort}`, '',
  ].join('\n'));
  const proc = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'ignore'] });
  const until = Date.now() + 5000;
  for (;;) {
    const ok = await new Promise((resolve) => { const c = connect(port, '127.0.0.1'); c.once('connect', () => { c.destroy(); resolve(true); }); c.once('error', () => resolve(false)); });
    if (ok) return { proc, port };
    if (Date.now() > until || proc.exitCode !== null) { proc.kill('SIGTERM'); return undefined; }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main() {
  const target = await startTarget();
  const dir = mkdtempSync(join(tmpdir(), 'sshgate-bench-'));
  let gate;
  let haproxy;
  try {
    const db = join(dir, 'bench.db');
    const fp = benchFingerprint();
    const bin = join(ROOT, 'bin', 'sshgate');
    const reg = spawnSync(process.execPath, [bin, 'approve', '--db', db, '--register', '--label', 'bench', fp], { encoding: 'utf8' });
    if (reg.status !== 0) throw new Error(`approve failed: ${reg.stderr}`);
    const nodeArgs = (process.env.BENCH_GATE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    // A held connection costs the gate two descriptors: room for HOLD of them above the default cap.
    gate = spawn(process.execPath, [...nodeArgs, bin, 'serve', '--route', `127.0.0.1:0=127.0.0.1:${target.port}`, '--db', db, '--config', '',
      '--max-connections', String(Math.max(1024, HOLD + 1000)), '--workers', String(WORKERS)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    gate.stderr.on('data', (d) => { log += d; });
    const until = Date.now() + 15_000;
    // Port 0: the kernel picks a free port (a random pick could collide with ephemeral ports);
    // the gate's LISTEN line names the bound one.
    let bound;
    while (!(bound = / LISTEN 127\.0\.0\.1:(\d+) -> /.exec(log))) { if (Date.now() > until || gate.exitCode !== null) throw new Error(`gate did not start: ${log}`); await new Promise((r) => setTimeout(r, 50)); }
    const gatePort = Number(bound[1]);
    // From here on the gate's log is drained and dropped, as journald would take it: keeping a
    // growing string of it in this process would tax the client side of the measurement.
    gate.stderr.removeAllListeners('data');
    gate.stderr.resume();
    await new Promise((r) => setTimeout(r, 300));
    haproxy = await startHaproxy(dir, target.port);
    const direct = await measure('direct', target.port);
    const viaGate = await measure('gate', gatePort, gate.pid);
    const viaHaproxy = haproxy ? await measure('haproxy', haproxy.port, haproxy.proc.pid) : undefined;
    const rows = viaHaproxy ? [direct, viaGate, viaHaproxy] : [direct, viaGate];
    if (JSON_OUT) { console.log(JSON.stringify(rows)); return; }
    const f = (n) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 0) : '-');
    console.log(`sshgate bench (${DURATION}s per phase, loopback, node ${process.version})`);
    console.log('| path | upload MB/s | download MB/s | seq conn/s | seq p50/p99 ms | par32 conn/s | par32 p50/p99 ms | relay CPU ms/conn (par32) | fails |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.label} | ${f(r.upload_MBps)} | ${f(r.download_MBps)} | ${f(r.seq.conns_per_s)} | ${f(r.seq.p50_ms)} / ${f(r.seq.p99_ms)} | ${f(r.par32.conns_per_s)} | ${f(r.par32.p50_ms)} / ${f(r.par32.p99_ms)} | ${Number.isFinite(r.par32.cpu_ms_per_conn) ? r.par32.cpu_ms_per_conn.toFixed(3) : '-'} | ${r.seq.fails + r.par32.fails} |`);
    }
    console.log(`added latency per connection (seq p50): ${f(viaGate.seq.p50_ms - direct.seq.p50_ms)} ms`);
    for (const r of rows.filter((x) => x.hold)) {
      const h = r.hold;
      console.log(`hold ${h.requested} (${r.label}): opened ${h.opened} in ${f(h.open_secs)} s, echo ok ${h.echo_ok}, failures ${h.open_fails + h.echo_fail}; RSS ${f(h.rss_before_mib)} -> ${f(h.rss_holding_mib)} MiB = ${f(h.kib_per_conn)} KiB per held connection`);
    }
    if (viaHaproxy) {
      const x = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
      console.log(`gate / haproxy: upload ${x(viaGate.upload_MBps, viaHaproxy.upload_MBps)}, download ${x(viaGate.download_MBps, viaHaproxy.download_MBps)}, seq conn/s ${x(viaGate.seq.conns_per_s, viaHaproxy.seq.conns_per_s)}, par32 conn/s ${x(viaGate.par32.conns_per_s, viaHaproxy.par32.conns_per_s)}; haproxy added latency (seq p50) ${f(viaHaproxy.seq.p50_ms - direct.seq.p50_ms)} ms`);
    } else console.log('haproxy: not installed (apt-get install haproxy), no side-by-side column');
  } finally {
    if (gate && gate.exitCode === null) gate.kill('SIGTERM');
    if (haproxy && haproxy.proc.exitCode === null) haproxy.proc.kill('SIGTERM');
    target.proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    clearTimeout(HARD_DEADLINE);
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
