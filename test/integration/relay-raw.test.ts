// The byte relay over real loopback sockets, on the zero-allocation path (plain TCP both ends):
// integrity under backpressure in both directions at once, half-close, exact quota cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { TrafficMeter } from '../../src/pipeline/types.js';
import { relay } from '../../src/relay/pipe.js';
import { rawCapable, rawRelaySupported } from '../../src/relay/raw-socket.js';

/** outer <-> [client | relay | target] <-> far: returns the four sockets. */
async function fourSockets(): Promise<{ outer: Socket; client: Socket; target: Socket; far: Socket; close: () => void }> {
  const servers: Server[] = [];
  const accept = async (): Promise<{ port: number; next: Promise<Socket> }> => {
    const srv = createServer({ allowHalfOpen: true });
    servers.push(srv);
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const next = once(srv, 'connection').then(([s]) => s as Socket);
    return { port: (srv.address() as { port: number }).port, next };
  };
  const front = await accept();
  const back = await accept();
  const outer = connect({ port: front.port, host: '127.0.0.1', allowHalfOpen: true });
  const client = await front.next;
  const target = connect({ port: back.port, host: '127.0.0.1', allowHalfOpen: true });
  await once(target, 'connect');
  const far = await back.next;
  return { outer, client, target, far, close: () => { for (const s of servers) s.close(); for (const s of [outer, client, target, far]) s.destroy(); } };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Reads everything until EOF, pausing now and then so the writer sees a full socket buffer. */
function slowCollect(s: Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  s.on('data', (c: Buffer) => {
    parts.push(c);
    if (++n % 8 === 0) { s.pause(); setTimeout(() => s.resume(), 2); }
  });
  return once(s, 'end').then(() => Buffer.concat(parts));
}

test('the raw path is available on this runtime and chosen for two TCP sockets', async () => {
  assert.equal(rawRelaySupported, true, 'net.Socket no longer exposes its onread slots: the relay fell back to streams');
  const t = await fourSockets();
  try {
    assert.equal(rawCapable(t.client, t.target), true);
  } finally { t.close(); }
});

/** The value net.Socket keeps its user-buffer (`onread`) buffer under: set only on the raw path. */
function userBufferOf(s: Socket): unknown {
  const slot = Object.getOwnPropertySymbols(s).find((k) => k.description === 'kBuffer');
  return slot === undefined ? undefined : (s as unknown as Record<symbol, unknown>)[slot];
}

test('raw: false (fast_paths.raw_relay = false) relays 2 MiB each way intact on Node streams', async () => {
  const t = await fourSockets();
  try {
    const up = randomBytes(2 * 1024 * 1024);
    const down = randomBytes(2 * 1024 * 1024);
    const result = relay(t.client, t.target, { idleTimeoutMs: 0, raw: false });
    const gotFar = slowCollect(t.far);
    const gotOuter = slowCollect(t.outer);
    t.outer.end(up);
    t.far.end(down);
    const [atFar, atOuter, r] = await Promise.all([gotFar, gotOuter, result]);
    assert.equal(sha(atFar), sha(up));
    assert.equal(sha(atOuter), sha(down));
    assert.equal(r.bytesUp + r.bytesDown, up.length + down.length);
    assert.ok(!userBufferOf(t.client) && !userBufferOf(t.target), 'no socket was switched to user-buffer reads');
  } finally { t.close(); }
});

test('the default relay switches both sockets to the shared user buffer', async () => {
  const t = await fourSockets();
  try {
    const result = relay(t.client, t.target, { idleTimeoutMs: 0 });
    t.far.resume();
    t.outer.resume();
    t.outer.end(Buffer.from('x'));
    t.far.end();
    await result;
    assert.ok(Buffer.isBuffer(userBufferOf(t.client)) && userBufferOf(t.client) === userBufferOf(t.target));
  } finally { t.close(); }
});

test('8 MiB each way at once through the relay arrive intact despite backpressure', async () => {
  const t = await fourSockets();
  try {
    const up = randomBytes(8 * 1024 * 1024);
    const down = randomBytes(8 * 1024 * 1024);
    const result = relay(t.client, t.target, { idleTimeoutMs: 0 });
    const gotFar = slowCollect(t.far);
    const gotOuter = slowCollect(t.outer);
    t.outer.end(up);
    t.far.end(down);
    const [atFar, atOuter, r] = await Promise.all([gotFar, gotOuter, result]);
    assert.equal(atFar.length, up.length);
    assert.equal(sha(atFar), sha(up));
    assert.equal(atOuter.length, down.length);
    assert.equal(sha(atOuter), sha(down));
    assert.equal(r.bytesUp, up.length);
    assert.equal(r.bytesDown, down.length);
    assert.equal(r.reason, 'eof');
  } finally { t.close(); }
});

test('half-close: the client finishes sending, the answer still comes back', async () => {
  const t = await fourSockets();
  try {
    const result = relay(t.client, t.target, { idleTimeoutMs: 0 });
    t.far.on('data', () => undefined);
    t.far.once('end', () => t.far.end(Buffer.from('answer after EOF')));
    const got = slowCollect(t.outer);
    t.outer.end(Buffer.from('request'));
    assert.equal((await got).toString(), 'answer after EOF');
    assert.equal((await result).bytesDown, 16);
  } finally { t.close(); }
});

test('an upload quota cuts the stream at exactly the limit', async () => {
  const t = await fourSockets();
  try {
    const limit = 1_000_000;
    let used = 0;
    const meter: TrafficMeter = {
      account: (n, dir) => {
        if (dir === 'down') return { pass: n };
        const pass = Math.max(0, Math.min(n, limit - used));
        used += pass;
        return pass < n ? { pass, exceeded: 'daily_bandwidth' } : { pass: n };
      },
      delayFor: () => 0,
      release: () => undefined,
      get bytesUp() { return used; },
      bytesDown: 0,
    };
    const result = relay(t.client, t.target, { idleTimeoutMs: 0, meter });
    const parts: Buffer[] = [];
    t.far.on('data', (c: Buffer) => parts.push(c));
    // Half-open sockets here: the cut shows up at the far end as EOF (or a reset), not as 'close'.
    const farDone = new Promise((resolve) => { t.far.once('end', resolve); t.far.once('error', resolve); });
    t.outer.on('error', () => undefined);
    t.outer.write(randomBytes(3 * limit));
    const r = await result;
    await farDone;
    assert.equal(r.reason, 'quota:daily_bandwidth');
    assert.equal(r.bytesUp, limit);
    assert.equal(Buffer.concat(parts).length, limit);
  } finally { t.close(); }
});
