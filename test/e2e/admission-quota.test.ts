/**
 * Quotas and shaping through a real SOCKS5 client: a 10 MB daily quota cuts a larger download at
 * the limit and refuses the next tunnel; max_bandwidth_kbps caps a download's speed; a kill -9
 * under load loses at most about a second of accounting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { startSks5, testHash } from '../helpers/sks5-process.js';
import { socksConnect } from '../helpers/socks-client.js';

/** A target that streams `total` bytes to every connection, then closes. */
async function sourceTarget(total: number): Promise<{ server: Server; port: number }> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const server = createServer((s) => {
    s.on('error', () => {});
    let left = total;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!s.write(chunk.subarray(0, n))) { s.once('drain', pump); return; }
      }
      s.end();
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0 };
}

/** Read until the socket closes (or `timeoutMs`); returns the byte count and how long it took. */
function drain(s: Socket, timeoutMs = 60_000): Promise<{ bytes: number; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    let bytes = 0;
    const timer = setTimeout(() => { s.destroy(); }, timeoutMs);
    s.on('data', (d: Buffer) => { bytes += d.length; });
    s.on('error', () => {});
    s.once('close', () => { clearTimeout(timer); resolve({ bytes, ms: Date.now() - start }); });
    s.resume();
  });
}

async function config(user: string, extra = ''): Promise<string> {
  return `
[server]
socks5_listen = "127.0.0.1:0"
ssh_listen = "127.0.0.1:0"

[security]
ip_guard_enabled = false
ban_enabled = false

[persistence]
data_dir = "./data"
${extra}
[acl]
default_policy = "allow"

[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
${user}
`;
}

test('a 10 MB daily quota cuts a 20 MB download at the limit and refuses the next tunnel', async (t) => {
  const target = await sourceTarget(20_000_000);
  t.after(() => target.server.close());
  const srv = await startSks5(t, await config('[users.quotas]\ndaily_bandwidth_bytes = 10000000'));
  const r = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', target.port);
  assert.equal(r.reply, 0);
  const got = await drain(r.socket);
  assert.ok(got.bytes <= 10_000_000, `received ${got.bytes} bytes, more than the quota`);
  assert.ok(got.bytes >= 10_000_000 - 64 * 1024, `received only ${got.bytes} bytes`);
  const next = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', target.port);
  assert.equal(next.reply, 2, 'the next tunnel is refused (not allowed by ruleset)');
  next.socket.destroy();
});

test('max_bandwidth_kbps caps the download speed within 10 %', async (t) => {
  const total = 600_000;
  const target = await sourceTarget(total);
  t.after(() => target.server.close());
  const srv = await startSks5(t, await config('max_bandwidth_kbps = 800')); // 100 000 bytes/s
  const r = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', target.port);
  assert.equal(r.reply, 0);
  // The steady rate is measured after the first 100 kB, so the bucket's initial burst does not count.
  const got = await new Promise<{ bytes: number; rate: number }>((resolve) => {
    let bytes = 0;
    let mark: number | undefined;
    r.socket.on('data', (d: Buffer) => {
      bytes += d.length;
      if (mark === undefined && bytes >= 100_000) mark = performance.now();
    });
    r.socket.on('close', () => resolve({ bytes, rate: mark === undefined ? Infinity : ((bytes - 100_000) / (performance.now() - mark)) * 1000 }));
    r.socket.resume();
  });
  assert.equal(got.bytes, total, 'everything arrives, only slower');
  assert.ok(got.rate >= 90_000 && got.rate <= 110_000, `steady rate ${Math.round(got.rate)} B/s, expected 100 000 +- 10 %`);
});

test('kill -9 under load loses at most about a second of quota accounting', async (t) => {
  const target = await sourceTarget(1_000_000_000);
  t.after(() => target.server.close());
  // 600 kB/s so the transfer is long-running; quota large enough not to trigger.
  const toml = await config('max_bandwidth_kbps = 4800\n[users.quotas]\ndaily_bandwidth_bytes = 100000000');
  const first = await startSks5(t, toml);
  const r = await socksConnect(first.socks5!, 'alice', 'secret', '127.0.0.1', target.port);
  assert.equal(r.reply, 0);
  let received = 0;
  r.socket.on('data', (d: Buffer) => { received += d.length; });
  r.socket.on('error', () => {});
  r.socket.resume(); // the handshake reader left the socket paused
  await new Promise((res) => setTimeout(res, 3000));
  const atKill = received;
  first.child.kill('SIGKILL');
  await first.exited;
  r.socket.destroy();
  assert.ok(atKill > 500_000, `only ${atKill} bytes flowed before the kill`);

  // Restart on the same data dir (the stale lock is taken over) with a quota just above what
  // was received: the persisted usage must leave at most ~1 s of traffic (600 kB + slack) unaccounted.
  const limit = atKill + 100_000;
  const second = await startSks5(t, await config(`max_bandwidth_kbps = 4800\n[users.quotas]\ndaily_bandwidth_bytes = ${limit}`), { dir: first.dir });
  const again = await socksConnect(second.socks5!, 'alice', 'secret', '127.0.0.1', target.port);
  if (again.reply === 0) {
    const got = await drain(again.socket, 30_000);
    t.diagnostic(`received ${atKill} before the kill; ${got.bytes} more allowed after the restart`);
    assert.ok(got.bytes <= 100_000 + 900_000, `after restart ${got.bytes} more bytes were allowed: accounting lost more than ~1 s`);
  } else {
    assert.equal(again.reply, 2, 'refused: everything was accounted');
    again.socket.destroy();
  }
});
