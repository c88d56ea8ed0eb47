// HTTP proxy door: CONNECT through sks5 side by side with sks5's own SOCKS5 door (same server
// process, same user, policy and client code) and with tinyproxy (Debian's small C HTTP proxy,
// Basic auth on), rounds interleaved. One client (proxy-bench.mjs) speaks both handshakes, so the
// ratios compare the doors, not two benchmark programs. Every process is stopped by its PID.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, median, ratio, total } from './harness.mjs';
import { freePort, runToEnd, sleep, startProcess, stopProcess, waitPort } from './processes.mjs';
import { BENCH_PASS, BENCH_USER, startOurs } from './ours-server.mjs';

export const HTTP_OURS = 'sks5 CONNECT';
export const SOCKS_OURS = 'sks5 SOCKS5';
export const TINY = 'tinyproxy CONNECT';

function tinyproxyBinary() {
  const r = spawnSync('bash', ['-c', 'command -v tinyproxy'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** A throwaway tinyproxy: loopback, Basic auth with the bench user, no log noise, foreground (-d). */
async function startTinyproxy(bin, dir) {
  const port = await freePort();
  const conf = join(dir, 'tinyproxy.conf');
  writeFileSync(conf, [
    `Port ${port}`, 'Listen 127.0.0.1', 'Timeout 600', 'LogLevel Critical', 'MaxClients 1000',
    'Allow 127.0.0.1', `BasicAuth ${BENCH_USER} ${BENCH_PASS}`, 'DisableViaHeader Yes', '',
  ].join('\n'));
  const proc = startProcess('tinyproxy', bin, ['-d', '-c', conf]);
  await waitPort(port, proc);
  return { proc, proxy: `127.0.0.1:${port}` };
}

async function runClient(ctx, { label, mode, proxy, pid }) {
  const args = [join(ctx.root, 'scripts', 'bench', 'proxy-bench.mjs'), '--label', label, '--mode', mode, '--proxy', proxy,
    '--pid', String(pid), '--user', BENCH_USER, '--pass', BENCH_PASS, '--duration', String(ctx.duration)];
  const budget = 30 + ctx.duration * 10;
  const res = await runToEnd(`proxy-bench ${label}`, process.execPath, args, { timeoutMs: budget * 1000 });
  const line = res.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (res.code !== 0 || !line) return { label, error: res.timedOut ? `timed out after ${budget} s` : `exit ${res.code}: ${res.stderr.slice(0, 200)}` };
  return JSON.parse(line);
}

export async function runHttpSection(ctx) {
  const tiny = tinyproxyBinary();
  const peers = [SOCKS_OURS, HTTP_OURS, ...(tiny ? [TINY] : [])];
  const results = new Map(peers.map((p) => [p, []]));
  for (let round = 1; round <= ctx.rounds; round++) {
    // Our two doors run against one server (same process, same warm caches); the order of the
    // two alternates per round so neither always goes first.
    const ours = await startOurs(ctx.root, ctx.dir, { withSocks: true, withHttp: true, passwordHash: ctx.passwordHash, label: `http-r${round}`, policy: 'full' });
    ctx.oursLogs.add(ours.logPath);
    try {
      const order = round % 2 ? [SOCKS_OURS, HTTP_OURS] : [HTTP_OURS, SOCKS_OURS];
      for (const name of order) {
        process.stderr.write(`HTTP round ${round}/${ctx.rounds}: ${name}\n`);
        const proxy = `127.0.0.1:${name === SOCKS_OURS ? ours.socksPort : ours.httpPort}`;
        results.get(name).push(await runClient(ctx, { label: name, mode: name === SOCKS_OURS ? 'socks' : 'connect', proxy, pid: ours.proc.pid }));
        await sleep(500);
      }
    } finally {
      await stopProcess(ours.proc);
    }
    if (tiny) {
      process.stderr.write(`HTTP round ${round}/${ctx.rounds}: ${TINY}\n`);
      let t;
      try {
        t = await startTinyproxy(tiny, ctx.dir);
        results.get(TINY).push(await runClient(ctx, { label: TINY, mode: 'connect', proxy: t.proxy, pid: t.proc.pid }));
      } catch (err) {
        results.get(TINY).push({ label: TINY, error: err.message });
      } finally {
        await stopProcess(t?.proc);
      }
      await sleep(500);
    }
  }
  return { peers, results };
}

export function httpTable({ peers, results }) {
  const ok = (name) => (results.get(name) ?? []).filter((r) => !r.error);
  const [s, h, t] = [ok(SOCKS_OURS), ok(HTTP_OURS), ok(TINY)];
  const hasTiny = peers.includes(TINY);
  const head = ['metric', SOCKS_OURS, HTTP_OURS, 'CONNECT / SOCKS5', ...(hasTiny ? [TINY, 'sks5 CONNECT / tinyproxy'] : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const row = (label, path, digits) => {
    const [vs, vh, vt] = [median(s, path), median(h, path), median(t, path)];
    lines.push(`| ${label} | ${fmt(vs, digits)} | ${fmt(vh, digits)} | ${ratio(vh, vs)} | ${hasTiny ? `${fmt(vt, digits)} | ${ratio(vh, vt)} |` : ''}`);
  };
  row('bulk upload x1 (MB/s)', 'bulk.up_x1.MBps');
  row('bulk download x1 (MB/s)', 'bulk.down_x1.MBps');
  row('proxy CPU s per GB, download (lower = better)', 'bulk.down_x1.proxy_cpu_s_per_GB');
  row('connect+echo sequential (conn/s)', 'connect.seq.cps');
  row('sequential p50 (ms, lower = better)', 'connect.seq.p50_ms', 2);
  row('connect+echo 64 in flight (conn/s)', 'connect.par64.cps');
  row('64 in flight p99 (ms, lower = better)', 'connect.par64.p99_ms', 1);
  row('proxy CPU ms per conn, 64 in flight (lower = better)', 'connect.par64.proxy_cpu_ms_per_conn', 3);
  const fails = (rs) => (rs.length ? String(total(rs, 'connect.seq.fails') + total(rs, 'connect.par64.fails')) : '–');
  lines.push(`| connect failures (all rounds) | ${fails(s)} | ${fails(h)} | | ${hasTiny ? `${fails(t)} | |` : ''}`);
  lines.push('', 'One client (scripts/bench/proxy-bench.mjs) for all three: SOCKS5 with RFC 1929 user/password, or HTTP/1.1 CONNECT'
    + ' with Proxy-Authorization: Basic; the same sks5 process serves both of its doors (full policy, Argon2id hash from'
    + ' `sks5 hash-password`, verified-password cache on); tinyproxy has BasicAuth on. Target of the issue: CONNECT >= 0.90x SOCKS5.');
  lines.push('', `Runs that completed: ${peers.map((p) => `${p} ${ok(p).length}/${(results.get(p) ?? []).length}`).join(', ')}.`);
  for (const p of peers) for (const r of results.get(p) ?? []) if (r.error) lines.push(`- ${p}: run failed: ${r.error}`);
  if (!hasTiny) lines.push('tinyproxy: not installed (apt-get install tinyproxy), column omitted.');
  return lines.join('\n');
}
