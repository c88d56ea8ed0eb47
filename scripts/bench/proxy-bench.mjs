#!/usr/bin/env node
// One bench client for both kinds of proxy handshake, so the HTTP CONNECT door, our SOCKS5 door
// and tinyproxy are measured by the same code (the shared harness speaks SOCKS5 only):
//   --mode socks    RFC 1928 + RFC 1929 user/password, CONNECT to the target's IPv4 address
//   --mode connect  HTTP/1.1 CONNECT with Proxy-Authorization: Basic, 200 expected
// Phases, each bounded by --duration seconds (and --max-conns): bulk upload and download over one
// tunnel (MB/s, the target counts what it received), then connect + 32-byte echo + close,
// sequential and with 64 in flight (conn/s, p50/p99). Proxy CPU is read from /proc/<pid>/stat.
// The target (sink / source / echo, selected by the first byte) runs in a forked child. Loopback
// only. Prints ONE JSON line on stdout.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const arg = (name, def) => { const i = argv.indexOf(`--${name}`); return i < 0 ? def : argv[i + 1]; };

if (arg('role') === 'target') {
  let uploaded = 0;
  const CHUNK = Buffer.alloc(1 << 20, 0x61);
  const srv = net.createServer({ noDelay: true }, (s) => {
    s.on('error', () => {});
    s.once('readable', function first() {
      const b = s.read(1);
      if (!b) return s.once('readable', first);
      if (b[0] === 0x55) s.on('data', (d) => { uploaded += d.length; });
      else if (b[0] === 0x44) { const pump = () => { while (!s.destroyed && s.write(CHUNK)); }; s.on('drain', pump); s.on('data', () => {}); pump(); }
      else { const rest = s.read(); if (rest) s.write(rest); s.on('data', (d) => s.write(d)); }
      s.on('end', () => s.end());
    });
  });
  srv.listen(0, '127.0.0.1', 4096, () => process.send({ port: srv.address().port }));
  process.on('message', (m) => { if (m === 'count') process.send({ uploaded }); if (m === 'exit') process.exit(0); });
  process.on('disconnect', () => process.exit(0));
} else {
  main().catch((e) => { console.error('proxy-bench:', e); process.exit(1); });
}

function cpuOf(pid) {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return null; }
}
const r2 = (x) => (x == null ? null : Math.round(x * 100) / 100);
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);

/** Resolves with the socket once the proxy said yes and the mode byte is sent; bytes past the reply are dropped (none are expected). */
function openTunnel(cfg, mode) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: cfg.proxy.host, port: cfg.proxy.port, noDelay: true });
    const timer = setTimeout(() => { s.destroy(); reject(new Error('handshake timeout')); }, 10_000);
    const fail = (e) => { clearTimeout(timer); s.destroy(); reject(e); };
    s.on('error', fail);
    let buf = Buffer.alloc(0);
    let step = 0;
    const done = () => {
      s.off('data', onData);
      clearTimeout(timer);
      s.removeListener('error', fail);
      s.on('error', () => {});
      s.write(Buffer.from([mode]));
      resolve(s);
    };
    const onData = (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      if (cfg.mode === 'connect') {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) { if (buf.length > 4096) fail(new Error('reply too long')); return; }
        const line = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1');
        return /^HTTP\/1\.[01] 200/.test(line) ? done() : fail(new Error(`CONNECT refused: ${line}`));
      }
      // SOCKS5: greeting reply (2), auth reply (2), CONNECT reply (10 for IPv4 BND.ADDR)
      for (;;) {
        if (step === 0 && buf.length >= 2) { if (buf[1] !== 2) return fail(new Error('no user/pass method')); buf = buf.subarray(2); step = 1; s.write(cfg.authMsg); continue; }
        if (step === 1 && buf.length >= 2) { if (buf[1] !== 0) return fail(new Error('auth failed')); buf = buf.subarray(2); step = 2; s.write(cfg.connectMsg); continue; }
        if (step === 2 && buf.length >= 4) {
          if (buf[1] !== 0) return fail(new Error(`rep ${buf[1]}`));
          const need = 4 + (buf[3] === 1 ? 4 : 16) + 2;
          if (buf.length < need) return;
          return done();
        }
        return;
      }
    };
    s.on('data', onData);
    s.once('connect', () => s.write(cfg.mode === 'connect' ? cfg.connectMsg : Buffer.from([5, 1, 2])));
  });
}

async function bulk(cfg, child, dir) {
  const s = await openTunnel(cfg, dir === 'up' ? 0x55 : 0x44);
  const cpu0 = cpuOf(cfg.pid);
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + cfg.duration * 1000;
  let bytes = 0;
  if (dir === 'up') {
    const chunk = Buffer.alloc(256 * 1024, 0x62);
    const before = await ask(child, 'count');
    await new Promise((resolve) => {
      const pump = () => {
        while (Date.now() < deadline && bytes < cfg.maxBytes) { bytes += chunk.length; if (!s.write(chunk)) return; }
        resolve();
      };
      s.on('drain', pump);
      pump();
    });
    // What the target received in the window, not what sat in our socket buffer.
    bytes = (await ask(child, 'count')) - before;
  } else {
    await new Promise((resolve) => {
      s.on('data', (d) => { bytes += d.length; if (Date.now() >= deadline || bytes >= cfg.maxBytes) resolve(); });
      setTimeout(resolve, cfg.duration * 1000 + 2000).unref();
    });
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpu0 == null ? null : cpuOf(cfg.pid) - cpu0;
  s.destroy();
  return { MBps: r2(bytes / 1e6 / secs), bytes, secs: r2(secs), proxy_cpu_s: r2(cpu), proxy_cpu_s_per_GB: cpu == null ? null : r2(cpu / (bytes / 1e9)) };
}

function ask(child, what) {
  return new Promise((r) => { const h = (m) => { if (m.uploaded !== undefined) { child.off('message', h); r(m.uploaded); } }; child.on('message', h); child.send(what); });
}

async function echoOnce(cfg) {
  const t = process.hrtime.bigint();
  const s = await openTunnel(cfg, 0x45);
  await new Promise((resolve, reject) => {
    let got = 0;
    const timer = setTimeout(() => reject(new Error('echo timeout')), 10_000);
    s.on('data', (d) => { got += d.length; if (got >= 32) { clearTimeout(timer); resolve(); } });
    s.on('close', () => { clearTimeout(timer); if (got < 32) reject(new Error('closed before echo')); });
    s.write(Buffer.alloc(32, 0x65));
  });
  s.destroy();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function connectRate(cfg, inflight) {
  const cpu0 = cpuOf(cfg.pid);
  const t0 = Date.now();
  const deadline = t0 + cfg.duration * 1000;
  const lat = [];
  let fails = 0;
  const worker = async () => {
    while (Date.now() < deadline && lat.length + fails < cfg.maxConns) {
      try { lat.push(await echoOnce(cfg)); } catch { fails += 1; }
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const secs = (Date.now() - t0) / 1000;
  const cpu = cpu0 == null ? null : cpuOf(cfg.pid) - cpu0;
  lat.sort((a, b) => a - b);
  return { cps: r2(lat.length / secs), ops: lat.length, fails, p50_ms: r2(pct(lat, 50)), p99_ms: r2(pct(lat, 99)), proxy_cpu_ms_per_conn: cpu == null || !lat.length ? null : r2((cpu * 1000) / lat.length) };
}

async function main() {
  const proxy = arg('proxy');
  const mode = arg('mode', 'socks');
  if (!proxy || !['socks', 'connect'].includes(mode)) throw new Error('usage: --proxy HOST:PORT --mode socks|connect [--user U --pass P] [--pid N] [--duration S]');
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'target'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((r) => child.once('message', (m) => r(m.port)));
  const user = arg('user', 'u');
  const pass = arg('pass', 'p');
  const cfg = {
    mode, pid: Number(arg('pid', '0')) || null, duration: Number(arg('duration', '3')),
    maxBytes: 20_000 * 1048576, maxConns: 200_000,
    proxy: { host: proxy.slice(0, proxy.lastIndexOf(':')), port: Number(proxy.slice(proxy.lastIndexOf(':') + 1)) },
    authMsg: Buffer.concat([Buffer.from([1, user.length]), Buffer.from(user), Buffer.from([pass.length]), Buffer.from(pass)]),
    connectMsg: mode === 'connect'
      ? Buffer.from(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nProxy-Authorization: Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}\r\n\r\n`)
      : Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 255]),
  };
  const phases = String(arg('phases', 'bulk,connect')).split(',');
  const out = { label: arg('label', `${mode} ${proxy}`), mode, duration_s: cfg.duration };
  if (phases.includes('bulk')) out.bulk = { up_x1: await bulk(cfg, child, 'up'), down_x1: await bulk(cfg, child, 'down') };
  if (phases.includes('connect')) out.connect = { seq: await connectRate(cfg, 1), par64: await connectRate(cfg, 64) };
  child.send('exit');
  process.stdout.write(`${JSON.stringify(out)}\n`);
  setTimeout(() => process.exit(0), 200);
}
