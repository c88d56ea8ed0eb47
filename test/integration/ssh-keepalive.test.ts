/**
 * Keepalives: the server sends keepalive@openssh.com every ssh_keepalive_interval_secs and drops
 * a client that stays silent for ssh_keepalive_max intervals, while a live client (which answers)
 * stays connected.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import { fastHash, startHarness, type Harness } from '../fixtures/ssh/harness.js';

let h: Harness;
before(async () => {
  h = await startHarness({
    server: { ssh_keepalive_interval_secs: 1, ssh_keepalive_max: 2 },
    users: [{ username: 'alice', password_hash: await fastHash('secret') }],
  });
});
after(async () => { await h?.close(); });

/** A relay that can stop forwarding (a client whose network went away without a FIN). */
async function freezableRelay(): Promise<{ port: number; freeze(): void; close(): void }> {
  const pairs: [Socket, Socket][] = [];
  let frozen = false;
  const server: Server = createServer((inbound) => {
    const out = connect(h.sshPort, '127.0.0.1');
    pairs.push([inbound, out]);
    inbound.on('data', (d) => { if (!frozen) out.write(d); });
    out.on('data', (d) => { if (!frozen) inbound.write(d); });
    inbound.on('error', () => out.destroy());
    out.on('error', () => inbound.destroy());
    out.on('close', () => inbound.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => { frozen = true; },
    close: () => { for (const [a, b] of pairs) { a.destroy(); b.destroy(); } server.close(); },
  };
}

function login(port: number): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.once('ready', () => resolve(c));
    c.on('error', () => {});
    c.once('error', reject);
    c.once('close', () => reject(new Error('closed before ready')));
    c.connect({ host: '127.0.0.1', port, username: 'alice', password: 'secret', readyTimeout: 20_000, keepaliveInterval: 0 });
  });
}

const aliceConns = (): number => h.running.sessions.byUser('alice').length;

async function waitUntil(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pred();
}

test('a silent client is dropped after ssh_keepalive_max missed keepalives; a live one stays', async (t) => {
  const live = await login(h.sshPort);
  t.after(() => live.end());
  const relay = await freezableRelay();
  t.after(() => relay.close());
  const silent = await login(relay.port);
  t.after(() => silent.end());
  assert.equal(aliceConns(), 2);
  relay.freeze();
  assert.ok(await waitUntil(() => aliceConns() === 1, 20_000), 'the silent connection was closed by the server');
  // The live client kept answering the same keepalives all along.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(aliceConns(), 1);
});
