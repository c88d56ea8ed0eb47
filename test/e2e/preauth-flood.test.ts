/**
 * Half-open handshake floods against the built CLI with its default limits (no [limits] section):
 * 3,000 connections from five loopback sources (127.0.0.2-6) that send part of a handshake and
 * stall, reopened as the server drops them, while a real client from a sixth address (127.0.0.7)
 * connects ten times: curl through SOCKS5, OpenSSH through the SSH door. Before the pre-auth budget,
 * about 1,000 such connections filled limits.max_connections and refused everyone for the whole
 * handshake timeout. A tuned budget then shows random early drop in the log and the metrics.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { encodeRequest, encodeUserPass } from '../../src/socks/codec.js';
import { socksConnect } from '../helpers/socks-client.js';
import { startSks5, testHash, type Sks5Process } from '../helpers/sks5-process.js';
import { softFdLimit, startFlood, type Flood } from '../helpers/half-open-flood.js';
import { COMMON_SSH_OPTS, makeKey, run } from '../fixtures/ssh/harness.js';

const FLOOD_SOURCES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
const CLIENT_SOURCE = '127.0.0.7';
const STALLED = 3000;
/** Default limits.per_source_max_startups: what five flooding sources may hold between them. */
const PER_SOURCE_DEFAULT = 32;
/** Far below the 30 s handshake timeout a locked-out client would wait; generous for a loaded CI. */
const MAX_LATENCY_MS = 5000;

let dir: string;
let http: Server;
let httpPort: number;
let hash: string;
let key: { path: string; pub: string };

before(async () => {
  // The flood's sockets live in this process: make sure they fit before opening any.
  const limit = await softFdLimit();
  assert.ok(limit >= STALLED + 1024, `this test holds up to ${STALLED} sockets at once; ulimit -n is ${limit}, raise it to at least ${STALLED + 1024}`);
  dir = mkdtempSync(join(tmpdir(), 'sks5-e2e-flood-'));
  http = createServer((req, res) => res.end(`target says ${req.url ?? ''}\n`));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  httpPort = (http.address() as { port: number }).port;
  [hash, key] = await Promise.all([testHash('secret'), makeKey(dir, 'user')]);
});

after(async () => {
  await new Promise<void>((r) => { http.close(() => r()); http.closeAllConnections(); });
  rmSync(dir, { recursive: true, force: true });
});

function config(extra = ''): string {
  return `
[server]
socks5_listen = "127.0.0.1:0"
ssh_listen = "127.0.0.1:0"
shutdown_timeout = 1
${extra}
[security]
ip_guard_enabled = false
ban_enabled = false

[metrics]
enabled = true
listen = "127.0.0.1:0"

[logging]
format = "json"
level = "info"

[[users]]
username = "alice"
password_hash = "${hash}"
authorized_keys = ["${key.pub}"]
`;
}

async function scrape(srv: Sks5Process): Promise<string> {
  return (await fetch(`http://127.0.0.1:${srv.metrics!.port}/metrics`)).text();
}

function metric(text: string, series: string): number {
  const escaped = series.replace(/[{}"=]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

function summary(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `median ${median.toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms`;
}

/** Ten curl runs through the proxy from the sixth address (SOCKS5 by default); each must get the page. */
async function curlTenTimes(srv: Sks5Process, label: string, proxy = `socks5h://alice:secret@127.0.0.1:${srv.socks5!.port}`, extra: string[] = []): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await run('curl', ['-sS', '--max-time', '30', '--interface', CLIENT_SOURCE, '-w', '\n%{time_total}', ...extra,
      '-x', proxy, `http://127.0.0.1:${httpPort}/${label}${i}`], { timeoutMs: 40_000 });
    const [body, total] = r.stdout.split('\n').filter((l) => l !== '');
    assert.equal(r.code, 0, `curl ${label} #${i + 1} failed: ${r.stderr}`);
    assert.equal(body, `target says /${label}${i}`, `curl ${label} #${i + 1}: ${r.stdout} ${r.stderr}`);
    times.push(Number(total) * 1000);
    assert.ok(Number.isFinite(times.at(-1)), `curl printed no time: ${r.stdout}`);
  }
  return times;
}

/** Ten SOCKS5-inside-TLS requests (Node's TLS client, bound to the sixth address). */
async function tlsTenTimes(srv: Sks5Process): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    // TLS over a TCP socket we bind ourselves: tls.connect's options do not name localAddress.
    const tcp = netConnect({ host: '127.0.0.1', port: srv.socks5!.port, localAddress: CLIENT_SOURCE });
    const s = tlsConnect({ socket: tcp, rejectUnauthorized: false });
    try {
      const data = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`TLS #${i + 1}: no answer within 30 s`)), 30_000);
        let got = '';
        s.setEncoding('latin1');
        s.once('error', (err) => { clearTimeout(timer); reject(err); });
        s.once('secureConnect', () => s.write(Buffer.concat([Buffer.from([5, 1, 2]), encodeUserPass('alice', 'secret'), encodeRequest(1, '127.0.0.1', httpPort)])));
        // Method reply (2) + auth status (2) + CONNECT reply (10): then the tunnel is open.
        s.on('data', (d: string) => { got += d; if (got.length >= 14 && !got.includes('GET')) { got += 'GET'; s.write(`GET /tls${i} HTTP/1.0\r\n\r\n`); } });
        s.once('end', () => { clearTimeout(timer); resolve(got); });
      });
      times.push(performance.now() - t0);
      assert.match(data, new RegExp(`target says /tls${i}`), `TLS #${i + 1}: ${JSON.stringify(data)}`);
    } finally {
      s.destroy();
      tcp.destroy();
    }
  }
  return times;
}

/** Ten OpenSSH logins (public key, exec whoami) from the sixth address. */
async function sshTenTimes(srv: Sks5Process): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const r = await run('ssh', [...COMMON_SSH_OPTS, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', key.path,
      '-b', CLIENT_SOURCE, '-p', String(srv.ssh!.port), 'alice@127.0.0.1', 'whoami'], { timeoutMs: 40_000 });
    times.push(performance.now() - t0);
    assert.equal(r.code, 0, `ssh #${i + 1} failed: ${r.stderr}`);
    assert.equal(r.stdout.trim(), 'alice', `ssh #${i + 1}: ${r.stdout} ${r.stderr}`);
  }
  return times;
}

async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function budgetLogLines(srv: Sks5Process): Record<string, unknown>[] {
  return srv.logs.filter((l) => typeof l.msg === 'string' && (l.msg.startsWith('pre-auth budget:') || l.msg.startsWith('early drop active:')));
}

async function withFlood<T>(port: number, payload: Buffer, body: (flood: Flood) => Promise<T>, count = STALLED): Promise<T> {
  const flood = startFlood({ host: '127.0.0.1', port, sources: FLOOD_SOURCES, count, payload, reconnectDelayMs: 1000, maxAttempts: 40_000, concurrency: 256 });
  try {
    await flood.ramped;
    // Measure under churn: the first wave of dropped connections is coming back (a flood small
    // enough to fit the per-source budgets has no dropped connections to reopen).
    if (count > FLOOD_SOURCES.length * PER_SOURCE_DEFAULT) await until(() => flood.attempts() >= count + Math.min(1000, count / 2), 20_000, () => `only ${flood.attempts()} flood connects so far`);
    return await body(flood);
  } finally {
    await flood.stop();
  }
}

/** The per-source budget, not the clock, holds the flood back: the five sources together stay at 5 x 32. */
async function assertBudgetHeld(srv: Sks5Process, flood: Flood): Promise<void> {
  // The server drops at accept; its resets reach the flooder a moment after the connect succeeded.
  const most = FLOOD_SOURCES.length * PER_SOURCE_DEFAULT;
  await until(() => flood.held() <= most, 20_000, () => `the flooder still holds ${flood.held()} connections`);
  const text = await scrape(srv);
  const inProgress = metric(text, 'sks5_startups_in_progress');
  assert.ok(inProgress <= FLOOD_SOURCES.length * PER_SOURCE_DEFAULT + 1, `in progress ${inProgress}`);
  assert.ok(inProgress >= FLOOD_SOURCES.length * PER_SOURCE_DEFAULT / 2, `the flood should hold its sources' budgets (in progress ${inProgress})`);
  assert.ok(metric(text, 'sks5_startups_dropped_total{reason="per_source"}') >= STALLED - FLOOD_SOURCES.length * PER_SOURCE_DEFAULT, text);
  assert.equal(metric(text, 'sks5_startups_dropped_total{reason="early_drop"}'), 0);
  assert.equal(metric(text, 'sks5_startups_early_drop_active'), 0);
}

test('SOCKS5: 3,000 stalled half greetings from five sources; curl from a sixth connects 10 times out of 10', { timeout: 180_000 }, async (t) => {
  const srv = await startSks5(t, config(), { expect: ['socks5', 'ssh', 'metrics'] });
  const baseline = await curlTenTimes(srv, 'calm');
  // VER 5, NMETHODS 2, then only one of the two method bytes: the greeting never completes.
  const { times, attempts, closed } = await withFlood(srv.socks5!.port, Buffer.from([0x05, 0x02, 0x02]), async (flood) => {
    await assertBudgetHeld(srv, flood);
    const during = await curlTenTimes(srv, 'flood');
    await assertBudgetHeld(srv, flood);
    return { times: during, attempts: flood.attempts(), closed: flood.closedByServer() };
  });
  t.diagnostic(`SOCKS5 latency without flood: ${summary(baseline)}; during the flood: ${summary(times)} (${attempts} flood connects, ${closed} dropped by the server)`);
  for (const ms of times) assert.ok(ms < MAX_LATENCY_MS, `latency ${ms} ms during the flood`);
  const lines = budgetLogLines(srv);
  assert.ok(lines.length >= 1, 'the budget says in the log that it is dropping');
  assert.ok(lines.length <= 10, `${lines.length} budget lines: rate-limited, not one per drop`);
  assert.ok(srv.logs.filter((l) => l.code === 'SKS5_DENY_STARTUPS_SOURCE').length === lines.length, 'no per-connection refusal lines for dropped startups');
  await srv.stop();
});

test('SSH: stalled raw TCP connections hold the pre-auth budget; OpenSSH from a sixth address logs in 10 times out of 10', { timeout: 180_000 }, async (t) => {
  const srv = await startSks5(t, config(), { expect: ['socks5', 'ssh', 'metrics'] });
  const baseline = await sshTenTimes(srv);
  // Half an identification line and no newline: ssh2 waits for the rest until ssh_auth_timeout.
  const { times, attempts } = await withFlood(srv.ssh!.port, Buffer.from('SSH-2.0-'), async (flood) => {
    await assertBudgetHeld(srv, flood);
    const during = await sshTenTimes(srv);
    return { times: during, attempts: flood.attempts() };
  });
  t.diagnostic(`SSH login latency without flood: ${summary(baseline)}; during the flood: ${summary(times)} (${attempts} flood connects)`);
  for (const ms of times) assert.ok(ms < MAX_LATENCY_MS, `ssh latency ${ms} ms during the flood`);
  // Every flood socket is closed: the server sees the closes and its budget is empty again.
  let inProgress = Number.NaN;
  for (const deadline = performance.now() + 20_000; inProgress !== 0 && performance.now() < deadline;) {
    inProgress = metric(await scrape(srv), 'sks5_startups_in_progress');
    if (inProgress !== 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(inProgress, 0, 'the pre-auth budget is released when the flood sockets close');
  await srv.stop();
});

let certMade: Promise<unknown> | undefined;
/** A self-signed certificate in `dir` (cert.pem, key.pem), made once. */
async function cert(): Promise<{ cert: string; key: string }> {
  certMade ??= run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  await certMade;
  return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

test('SOCKS5 inside TLS: connections stalled inside the TLS handshake are counted at accept; a TLS client from a sixth address gets through 10 times', { timeout: 180_000 }, async (t) => {
  await cert();
  const srv = await startSks5(t, config(`socks5_tls_cert = "${join(dir, 'cert.pem')}"\nsocks5_tls_key = "${join(dir, 'key.pem')}"`), { expect: ['socks5', 'ssh', 'metrics'] });
  const baseline = await tlsTenTimes(srv);
  // The first bytes of a TLS record header (handshake, TLS 1.0 record version) and nothing more.
  const { times, attempts } = await withFlood(srv.socks5!.port, Buffer.from([0x16, 0x03, 0x01]), async (flood) => {
    await assertBudgetHeld(srv, flood);
    const during = await tlsTenTimes(srv);
    return { times: during, attempts: flood.attempts() };
  });
  t.diagnostic(`SOCKS5/TLS latency without flood: ${summary(baseline)}; during the flood: ${summary(times)} (${attempts} flood connects)`);
  for (const ms of times) assert.ok(ms < MAX_LATENCY_MS, `TLS latency ${ms} ms during the flood`);
  await srv.stop();
});

test('HTTP proxy door: 3,000 stalled half requests from five sources; curl -x http:// from a sixth gets through 10 times', { timeout: 180_000 }, async (t) => {
  const srv = await startSks5(t, config('http_proxy_listen = "127.0.0.1:0"'), { expect: ['socks5', 'http', 'ssh', 'metrics'] });
  const proxy = `http://alice:secret@127.0.0.1:${srv.http!.port}`;
  const baseline = await curlTenTimes(srv, 'calm', proxy);
  // A request line and the start of a header, never finished: Node waits up to http_header_timeout.
  const { times, attempts } = await withFlood(srv.http!.port, Buffer.from('CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0'), async (flood) => {
    await assertBudgetHeld(srv, flood);
    const during = await curlTenTimes(srv, 'flood', proxy);
    await assertBudgetHeld(srv, flood);
    return { times: during, attempts: flood.attempts() };
  });
  t.diagnostic(`HTTP proxy latency without flood: ${summary(baseline)}; during the flood: ${summary(times)} (${attempts} flood connects)`);
  for (const ms of times) assert.ok(ms < MAX_LATENCY_MS, `HTTP proxy latency ${ms} ms during the flood`);
  await srv.stop();
});

test('HTTPS proxy door: connections stalled inside the TLS handshake are counted at accept; curl -x https:// from a sixth address gets through 10 times', { timeout: 180_000 }, async (t) => {
  const c = await cert();
  const srv = await startSks5(t, config(`http_proxy_listen = "127.0.0.1:0"\nhttp_proxy_tls_cert = "${c.cert}"\nhttp_proxy_tls_key = "${c.key}"`), { expect: ['socks5', 'http', 'ssh', 'metrics'] });
  const proxy = `https://alice:secret@127.0.0.1:${srv.http!.port}`;
  const baseline = await curlTenTimes(srv, 'calm', proxy, ['--proxy-cacert', c.cert]);
  const { times, attempts } = await withFlood(srv.http!.port, Buffer.from([0x16, 0x03, 0x01]), async (flood) => {
    await assertBudgetHeld(srv, flood);
    const during = await curlTenTimes(srv, 'flood', proxy, ['--proxy-cacert', c.cert]);
    return { times: during, attempts: flood.attempts() };
  });
  t.diagnostic(`HTTPS proxy latency without flood: ${summary(baseline)}; during the flood: ${summary(times)} (${attempts} flood connects)`);
  for (const ms of times) assert.ok(ms < MAX_LATENCY_MS, `HTTPS proxy latency ${ms} ms during the flood`);
  await srv.stop();
});

test('a tuned max_startups: random early drop is logged and exported while the total is between start and full', { timeout: 120_000 }, async (t) => {
  const srv = await startSks5(t, config().replace('[security]', '[limits]\nmax_startups = "20:50:60"\nper_source_max_startups = 0\n\n[security]'), { expect: ['socks5', 'ssh', 'metrics'] });
  await withFlood(srv.socks5!.port, Buffer.from([0x05, 0x02, 0x02]), async () => {
    const text = await scrape(srv);
    assert.equal(metric(text, 'sks5_startups_early_drop_active'), 1, text);
    const inProgress = metric(text, 'sks5_startups_in_progress');
    assert.ok(inProgress >= 20 && inProgress <= 60, `in progress ${inProgress}`);
    assert.ok(metric(text, 'sks5_startups_dropped_total{reason="early_drop"}') > 0);
  }, 300);
  const line = await srv.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('early drop active:'));
  assert.equal(line.early_drop_active, true);
  assert.match(String(line.msg), /limits\.max_startups start 20, full 60/);
  await srv.stop();
});

test('max_connections counts authenticated connections only: stalled handshakes never take their slots', { timeout: 120_000 }, async (t) => {
  const srv = await startSks5(t, config().replace('[security]', '[limits]\nmax_connections = 2\n\n[security]'), { expect: ['socks5', 'ssh', 'metrics'] });
  await withFlood(srv.socks5!.port, Buffer.from([0x05, 0x02, 0x02]), async () => {
    const held = [];
    try {
      for (let i = 0; i < 2; i++) {
        const r = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', httpPort);
        held.push(r.socket);
        assert.equal(r.reply, 0, `authenticated connection ${i + 1} of max_connections = 2, beside 40 stalled handshakes`);
      }
      const third = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', httpPort);
      held.push(third.socket);
      assert.equal(third.authStatus, 1, 'a third authenticated connection finds max_connections full');
      const line = await srv.waitForLog((l) => l.code === 'SKS5_DENY_CONN_LIMIT');
      assert.match(String(line.msg), /limits\.max_connections \(2\) authenticated connections reached/);
      held.shift()?.destroy();
      let ok = false;
      for (const deadline = performance.now() + 20_000; !ok && performance.now() < deadline;) {
        const again = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', httpPort);
        held.push(again.socket);
        ok = again.reply === 0;
        if (!ok) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(ok, 'the freed slot is taken by the next authenticated connection');
    } finally {
      for (const s of held) s.destroy();
    }
  }, 40);
  await srv.stop();
});
