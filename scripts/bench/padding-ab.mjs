#!/usr/bin/env node
// A/B for ssh2's packet padding randomness: the server's CPU per forwarded channel (open, 16 bytes
// each way, close) with ssh2's own crypto.randomFillSync per packet (A) and with the pooled 4 KiB block
// that src/ssh/padding-random.ts used to install process-wide (B). Both variants run in a child process
// of their own, interleaved A B A B ..., so machine load hits both alike. Loopback only; bounded by
// ROUNDS x CHANNELS. Result (2026-12-02): docs/performance.md, "ssh2 padding randomness".
//   node scripts/bench/padding-ab.mjs [rounds=6] [channels=1500]
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROUNDS = Number(process.argv[2] ?? 6);
const CHANNELS = Number(process.argv[3] ?? 1500);

if (process.env.PADDING_AB_CHILD) await serve(process.env.PADDING_AB_CHILD);
else await main();

function pooledRandomFill(crypto) {
  // The removed module's algorithm, kept here only so the A/B can be re-run.
  const original = crypto.randomFillSync;
  const block = Buffer.alloc(4096);
  let used = 4096;
  crypto.randomFillSync = function randomFillSync(buf, offset, size) {
    if (!(buf instanceof Uint8Array)) return original(buf, offset, size);
    const start = offset ?? 0;
    const n = size ?? buf.length - start;
    if (n > 256 || start + n > buf.length) return original(buf, offset, size);
    if (used + n > 4096) { original(block); used = 0; }
    buf.set(block.subarray(used, used + n), start);
    block.fill(0, used, used + n);
    used += n;
    return buf;
  };
}

async function serve(variant) {
  if (variant === 'pooled') pooledRandomFill(require('node:crypto'));
  const { Server, utils } = require('ssh2');
  const hostKey = utils.generateKeyPairSync('ed25519').private;
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => {
      client.on('tcpip', (accept) => {
        const ch = accept();
        ch.once('data', () => { ch.write(Buffer.alloc(16, 1)); ch.end(); ch.close(); });
      });
    });
    client.on('error', () => {});
  });
  // Nagle would add a delayed-ACK wait to every small exchange and hide the CPU difference.
  server.on('connection', (sock) => sock.setNoDelay(true));
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  let mark = process.cpuUsage();
  process.on('message', (m) => {
    if (m === 'mark') { mark = process.cpuUsage(); process.send({ marked: true }); }
    if (m === 'cpu') { const d = process.cpuUsage(mark); process.send({ cpuUs: d.user + d.system }); }
    if (m === 'exit') process.exit(0);
  });
}

function ask(child, msg, key) {
  return new Promise((resolve) => {
    const on = (m) => { if (key in m) { child.off('message', on); resolve(m[key]); } };
    child.on('message', on);
    if (msg) child.send(msg);
  });
}

async function openChannels(client, n) {
  for (let i = 0; i < n; i++) {
    await new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 1, '127.0.0.1', 80, (err, ch) => {
        if (err) return reject(err);
        ch.on('data', () => {});
        ch.on('close', resolve);
        ch.write(Buffer.alloc(16, 2));
      });
    });
  }
}

async function measure(variant) {
  const child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, PADDING_AB_CHILD: variant } });
  try {
    const port = await ask(child, null, 'port');
    const { Client } = require('ssh2');
    const client = new Client();
    const sock = connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    await new Promise((resolve, reject) => {
      client.once('ready', resolve).once('error', reject);
      client.connect({ sock, username: 'bench', algorithms: { cipher: ['chacha20-poly1305@openssh.com'] } });
    });
    await openChannels(client, 200); // warm-up
    await ask(child, 'mark', 'marked');
    const t0 = process.hrtime.bigint();
    await openChannels(client, CHANNELS);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpuUs = await ask(child, 'cpu', 'cpuUs');
    client.end();
    return { variant, usPerChannel: cpuUs / CHANNELS, perSec: (CHANNELS / wallMs) * 1000 };
  } finally {
    child.send('exit');
  }
}

async function main() {
  const rows = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of r % 2 ? ['pooled', 'native'] : ['native', 'pooled']) rows.push(await measure(v));
  }
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  for (const v of ['native', 'pooled']) {
    const mine = rows.filter((x) => x.variant === v);
    console.log(`${v}: server CPU us/channel ${mine.map((x) => x.usPerChannel.toFixed(0)).join(' ')} (median ${med(mine.map((x) => x.usPerChannel)).toFixed(0)}); channels/s median ${med(mine.map((x) => x.perSec)).toFixed(0)}`);
  }
}
