import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/clock.js';
import { Gate, type GateOptions } from '../../src/gate/gate.js';
import { parseRoute } from '../../src/gate/routes.js';
import { FingerprintStore } from '../../src/store/fingerprints.js';
import { FakeBackend, runClient, waitFor } from '../fixtures/gate/fake-backend.js';
import { SAMPLE_IDENT, SAMPLE_LISTS, hello, kexinitPayload, packet } from '../fixtures/gate/packets.js';
import { describeKexinit } from '../../src/gate/fingerprint.js';
import { parseKexinitPayload } from '../../src/gate/kexinit.js';

const FP = (() => {
  const r = parseKexinitPayload(kexinitPayload());
  assert.ok(r.ok);
  return describeKexinit(r.kexinit, Buffer.from('x')).fingerprint;
})();

interface Setup { gate: Gate; port: number; backend: FakeBackend; store: FingerprintStore; lines: string[]; dbPath: string }

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, extra: Partial<GateOptions> = {}, listenHost = '127.0.0.1'): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'sshgate-int-'));
  const dbPath = join(dir, 'g.db');
  const backend = new FakeBackend();
  const bport = await backend.listen();
  const store = FingerprintStore.open(dbPath);
  const lines: string[] = [];
  const listen = listenHost.includes(':') ? `[${listenHost}]:0` : `${listenHost}:0`;
  const gate = new Gate({ routes: [parseRoute(`${listen}=127.0.0.1:${bport}`)], store, allowUnknown: false, clock: systemClock,
    log: (l) => lines.push(l), ...extra });
  await gate.start();
  t.after(async () => {
    await gate.drain(0);
    await backend.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // The start-up banner probe is the one backend connection we expect.
  await waitFor(() => backend.accepts === 1, 5000, 'banner probe');
  const port = gate.bound()[0]?.address.port ?? 0;
  return { gate, port, backend, store, lines, dbPath };
}

test('scanners, garbage and unapproved clients never cause a backend connection', async (t) => {
  const s = await setup(t, { timeouts: { handshakeMs: 1000 } });
  const probes = [
    Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    Buffer.alloc(300, 0x41),
    Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff)),
    Buffer.concat([Buffer.from('SSH-2.0-scan\r\n'), Buffer.from([0xff, 0xff, 0xff, 0xff, 4])]),
    Buffer.concat([Buffer.from('SSH-2.0-scan\r\n'), packet(Buffer.from([21, 1, 2, 3]))]),
    hello(),
  ];
  for (const p of probes) {
    const r = await runClient(s.port, p);
    assert.ok(r.closed, 'the gate closes rejected clients');
    assert.ok(r.data.toString().startsWith('SSH-2.0-FakeSSHD_1.0\r\n'), 'clients get the cached banner');
  }
  s.store.setStatus(FP, 'blocked', 'test', Date.now());
  await runClient(s.port, hello());
  assert.equal(s.backend.accepts, 1);
  const text = s.lines.join('\n');
  assert.match(text, /\[127\.0\.0\.1\] BLOCKED malformed SSH identification: SSH identification line too long: >= 255 bytes/);
  assert.match(text, /BLOCKED malformed SSH KEXINIT: invalid SSH packet length: 4294967295/);
  assert.match(text, /BLOCKED malformed SSH KEXINIT: first SSH packet is not SSH_MSG_KEXINIT/);
  assert.match(text, new RegExp(`\\[127\\.0\\.0\\.1\\] BLOCKED ${FP} label="" client="SSH-2\\.0-OpenSSH_9\\.7 test"`));
  assert.equal(s.store.get(FP)?.status, 'blocked');
  assert.deepEqual(s.store.get(FP)?.ips, ['127.0.0.1']);
});

test('an approved client is replayed byte-exact (guessed KEX packet included) and sees one banner', async (t) => {
  const s = await setup(t);
  s.store.register(FP, 'approved', 'test', Date.now(), 'ci');
  const guessed = packet(Buffer.from([30, 0, 0, 0, 32, ...Buffer.alloc(32, 7)]));
  const pre = Buffer.from('preamble line\r\n');
  const sent = Buffer.concat([pre, hello(), guessed]);
  const r = await runClient(s.port, sent, { settleMs: 1500 });
  assert.equal(r.data.toString('latin1'), 'SSH-2.0-FakeSSHD_1.0\r\nSERVER-KEXINIT', 'backend banner swallowed, its KEXINIT passed on');
  await waitFor(() => s.backend.accepts === 2 && Buffer.concat(s.backend.received[1] ?? []).length >= sent.length, 5000, 'replay');
  assert.deepEqual(Buffer.concat(s.backend.received[1] ?? []), sent);
  const connected = s.lines.find((l) => l.includes(' CONNECTED '));
  assert.equal(connected, `[127.0.0.1] CONNECTED ${FP} backend=${s.gate.bound()[0]?.route.backend} local=127.0.0.1:${s.backend.remotePorts[1]}`);
  assert.ok(s.lines.includes(`[127.0.0.1] APPROVED ${FP} label="ci" client="SSH-2.0-OpenSSH_9.7 test"`));
  // Listening on port 0, the LISTEN line names the port the kernel picked (benchmarks read it).
  assert.ok(s.lines.includes(`LISTEN 127.0.0.1:${s.port} -> ${s.gate.bound()[0]?.route.backend}`), s.lines.join('\n'));
});

test('status changes made through another store handle apply to the next connection', async (t) => {
  const s = await setup(t);
  await runClient(s.port, hello());
  assert.equal(s.backend.accepts, 1);
  const cli = FingerprintStore.open(s.dbPath);
  cli.setStatus(cli.resolve(FP.slice(0, 6)), 'approved', 'cli:test', Date.now());
  cli.close();
  await runClient(s.port, hello(), { settleMs: 800 });
  assert.equal(s.backend.accepts, 2);
});

test('--allow-unknown records pending and forwards', async (t) => {
  const s = await setup(t, { allowUnknown: true });
  const r = await runClient(s.port, hello(), { settleMs: 800 });
  assert.match(r.data.toString(), /SERVER-KEXINIT/);
  assert.equal(s.store.get(FP)?.status, 'pending');
  assert.ok(s.lines.some((l) => l.startsWith(`[127.0.0.1] PENDING allowed ${FP} client=`)));
});

test('a changed backend banner drops the client once and refreshes the cache', async (t) => {
  const s = await setup(t, { allowUnknown: true });
  s.backend.banner = 'SSH-2.0-FakeSSHD_2.0';
  const first = await runClient(s.port, hello());
  assert.ok(first.closed);
  assert.ok(s.lines.includes('[127.0.0.1] BACKEND identification changed; reconnect to retry'));
  const second = await runClient(s.port, hello(), { settleMs: 800 });
  assert.equal(second.data.toString(), 'SSH-2.0-FakeSSHD_2.0\r\nSERVER-KEXINIT');
});

test('one handshake deadline: silence and a slowloris KEXINIT both time out', async (t) => {
  const s = await setup(t, { timeouts: { handshakeMs: 400 } });
  await runClient(s.port, Buffer.alloc(0), { waitBanner: false });
  assert.ok(s.lines.includes('[127.0.0.1] TIMEOUT awaiting SSH identification'));
  const sock = connect({ host: '127.0.0.1', port: s.port });
  sock.on('error', () => {});
  sock.write('SSH-2.0-slow\r\n');
  const bytes = hello();
  const identLen = Buffer.from(`${SAMPLE_IDENT}\r\n`).length;
  let i = 0;
  const drip = setInterval(() => { if (!sock.destroyed) sock.write(bytes.subarray(identLen + i, identLen + i + 1)); i++; }, 50);
  t.after(() => { clearInterval(drip); sock.destroy(); });
  await waitFor(() => s.lines.includes('[127.0.0.1] TIMEOUT awaiting SSH KEXINIT'), 3000, 'KEXINIT timeout');
  assert.equal(s.backend.accepts, 1);
});

test('flood limits: RATELIMIT per source and OVERLOAD at the global cap', async (t) => {
  // A near-zero refill rate: the test may run slowly on a loaded machine without earning tokens.
  const s = await setup(t, { rateLimit: { rate: 0.001, burst: 2, idleMs: 60_000, maxBuckets: 100 } });
  for (let i = 0; i < 3; i++) await runClient(s.port, Buffer.from('x\n'), { settleMs: 300 });
  assert.ok(s.lines.includes('[127.0.0.1] RATELIMIT dropping connection'));

  const o = await setup(t, { maxConcurrent: 1 });
  const holder = connect({ host: '127.0.0.1', port: o.port });
  holder.on('error', () => {});
  t.after(() => { holder.destroy(); });
  await waitFor(() => o.gate.active === 1, 3000, 'held slot');
  await runClient(o.port, Buffer.from('x\n'), { waitBanner: false });
  assert.ok(o.lines.includes('[127.0.0.1] OVERLOAD dropping connection'));
});

test('a dual-stack [::] listener reports IPv4 clients as plain IPv4', async (t) => {
  const s = await setup(t, {}, '::');
  await runClient(s.port, hello());
  assert.ok(s.lines.some((l) => l.startsWith(`[127.0.0.1] BLOCKED ${FP}`)), s.lines.join('\n'));
  assert.deepEqual(s.store.get(FP)?.ips, ['127.0.0.1']);
});

test('drain waits for relayed sessions up to the grace period, then cuts them', async (t) => {
  const s = await setup(t, { allowUnknown: true });
  const sock = connect({ host: '127.0.0.1', port: s.port });
  sock.on('error', () => {});
  sock.once('data', () => sock.write(hello()));
  t.after(() => { sock.destroy(); });
  await waitFor(() => s.backend.accepts === 2, 3000, 'relayed session');
  const started = Date.now();
  const drained = await s.gate.drain(300);
  assert.equal(drained, false);
  assert.ok(Date.now() - started >= 250);
  await waitFor(() => sock.destroyed || sock.readableEnded, 3000, 'client cut');
  assert.ok(SAMPLE_LISTS.kex.length > 0);
});
