/**
 * Pooled SSH padding (src/ssh/padding-pool.ts): a real ssh2 server and client on loopback, one
 * connection per cipher ssh2 offers, data both ways through a forwarded channel, a key re-exchange
 * in the middle; the server's packets must carry pooled padding from the first cipher to the last and
 * every byte must arrive intact (a wrong packet layout breaks the MAC or the framing at once).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Socket, type AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { RandomPool, poolConnectionPadding, poolCipherPadding } from '../../../src/ssh/padding-pool.js';

class CountingPool extends RandomPool {
  bytes = 0;
  override fill(target: Buffer, at: number, n: number): void { this.bytes += n; super.fill(target, at, n); }
}

const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;

async function roundTrip(cipher: string, mac: string | undefined): Promise<{ pooledBefore: number; pooledAfter: number; echoed: boolean; ciphers: number }> {
  const echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoPort = (echo.address() as AddressInfo).port;
  const pool = new CountingPool();
  const seenCiphers = new Set<unknown>();
  let serverConn: { rekey(cb: (err?: Error) => void): void } | undefined;
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (conn) => {
    assert.equal(poolConnectionPadding(conn, pool), true, 'ssh2 still has _protocol._cipher with allocPacket');
    serverConn = conn as unknown as typeof serverConn;
    const proto = (conn as unknown as { _protocol: { _cipher: unknown } })._protocol;
    const watch = setInterval(() => seenCiphers.add(proto._cipher), 5);
    conn.on('close', () => clearInterval(watch));
    conn.on('error', () => {});
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('tcpip', (accept) => {
      const ch = accept();
      const up = new Socket();
      up.connect(echoPort, '127.0.0.1', () => { ch.pipe(up); up.pipe(ch); });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const client = new ssh2.Client();
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve()).once('error', reject);
      client.connect({ host: '127.0.0.1', port, username: 'u', password: 'p', algorithms: { cipher: [cipher as never], ...(mac ? { hmac: [mac as never] } : {}) } });
    });
    const send = (payload: Buffer): Promise<boolean> => new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 1, '127.0.0.1', echoPort, (err, ch) => {
        if (err) { reject(err); return; }
        const got: Buffer[] = [];
        let n = 0;
        ch.on('data', (d: Buffer) => { got.push(d); n += d.length; if (n >= payload.length) { ch.end(); resolve(Buffer.concat(got).equals(payload)); } });
        ch.write(payload);
      });
    });
    // Payload lengths across every residue modulo 16, and bulk-sized packets.
    const sizes = [...Array.from({ length: 40 }, (_, i) => i + 1), 32_768, 200_000];
    let echoed = true;
    for (const s of sizes.slice(0, 20)) echoed = (await send(Buffer.alloc(s, s & 0xff))) && echoed;
    const pooledBefore = pool.bytes;
    await new Promise<void>((resolve, reject) => serverConn!.rekey((err?: Error) => (err ? reject(err) : resolve())));
    const atRekey = pool.bytes;
    for (const s of sizes.slice(20)) echoed = (await send(Buffer.alloc(s, (s * 7) & 0xff))) && echoed;
    return { pooledBefore, pooledAfter: pool.bytes - atRekey, echoed, ciphers: seenCiphers.size };
  } finally {
    client.end();
    server.close();
    echo.close();
  }
}

for (const [cipher, mac] of [
  ['chacha20-poly1305@openssh.com', undefined],
  ['aes128-gcm@openssh.com', undefined],
  ['aes256-gcm@openssh.com', undefined],
  ['aes128-ctr', 'hmac-sha2-256'],
  ['aes256-ctr', 'hmac-sha2-512-etm@openssh.com'],
] as const) {
  test(`${cipher}${mac ? ` + ${mac}` : ''}: every byte arrives through pooled padding, before and after a key re-exchange`, async () => {
    const r = await roundTrip(cipher, mac);
    assert.equal(r.echoed, true, 'all payloads echoed intact');
    assert.ok(r.pooledBefore > 0, 'the negotiated cipher drew its padding from the pool');
    assert.ok(r.pooledAfter > 0, 'the cipher of the re-exchange did too');
    assert.ok(r.ciphers >= 2, `ssh2 replaced the cipher object at the re-exchange (${r.ciphers} seen)`);
  });
}

test('the packet built from the pool has the layout ssh2 builds, for every payload length modulo 16', () => {
  // A stand-in with ssh2's AES-GCM layout: 16-byte blocks over the packet minus its length, 16-byte tag.
  const ref = {
    allocPacket(payloadLen: number): Buffer {
      let pktLen = 4 + 1 + payloadLen;
      let padLen = 16 - ((pktLen - 4) & 15);
      if (padLen < 4) padLen += 16;
      pktLen += padLen;
      const p = Buffer.alloc(pktLen + 16);
      p.writeUInt32BE(pktLen - 4, 0);
      p[4] = padLen;
      return p;
    },
  };
  const cipher = { allocPacket: ref.allocPacket };
  assert.equal(poolCipherPadding(cipher, new RandomPool()), true);
  for (let len = 0; len < 64; len++) {
    cipher.allocPacket(len); // first per residue: learnt from ssh2's own
    const ours = cipher.allocPacket(len);
    const theirs = ref.allocPacket(len);
    assert.equal(ours.length, theirs.length, `length for payload ${len}`);
    assert.equal(ours.readUInt32BE(0), theirs.readUInt32BE(0));
    assert.equal(ours[4], theirs[4]);
  }
});

test('a pool hands out each random byte once and refills when spent', () => {
  const pool = new RandomPool();
  const chunks: string[] = [];
  const b = Buffer.alloc(32);
  for (let i = 0; i < 300; i++) { pool.fill(b, 0, 32); chunks.push(b.toString('hex')); } // 9600 bytes: two refills
  assert.equal(new Set(chunks).size, chunks.length, 'no 32-byte draw repeats');
});

test('a cipher without allocPacket, or a connection without _protocol._cipher, is left alone', () => {
  assert.equal(poolCipherPadding({} as never, new RandomPool()), false);
  assert.equal(poolConnectionPadding({}), false);
  assert.equal(poolConnectionPadding({ _protocol: {} }), false);
});
