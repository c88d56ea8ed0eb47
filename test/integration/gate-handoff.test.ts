/**
 * The primary's side of `serve -workers N` (Gate with `handOff`): admission runs at accept, a
 * refused connection (over the cap, over its source's rate) is never handed off, an admitted one
 * is handed off paused (nothing read from it here) and keeps its slot until the new owner
 * releases it. Real loopback sockets on port 0; the hand-off target is a recorder, not a worker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { FakeClock } from '../../src/clock.js';
import { Gate } from '../../src/gate/gate.js';
import { parseRoute } from '../../src/gate/routes.js';

interface Handed { readonly socket: Socket; readonly route: number; readonly ip: string; readonly release: () => void }

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

function open(port: number, from = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: from }, () => resolve(s));
    s.on('error', reject);
  });
}

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, opts: { max: number; burst: number }) {
  const handed: Handed[] = [];
  const lines: string[] = [];
  const clock = new FakeClock('2026-12-03T12:00:00Z');
  const store = { observe: () => { throw new Error('the primary never reads a handshake'); } };
  const gate = new Gate({
    routes: [parseRoute('127.0.0.1:0=127.0.0.1:9'), parseRoute('127.0.0.1:0=127.0.0.1:9')], store, allowUnknown: false, clock,
    log: (l) => lines.push(l), maxConcurrent: opts.max, rateLimit: { rate: 1, burst: opts.burst, idleMs: 60_000, maxBuckets: 100 },
    handOff: (socket, route, ip, release) => handed.push({ socket, route, ip, release }),
  });
  await gate.start();
  const clients: Socket[] = [];
  t.after(async () => {
    for (const c of clients) c.destroy();
    for (const h of handed) h.socket.destroy();
    await gate.drain(0);
  });
  const ports = gate.bound().map((b) => b.address.port);
  return { gate, handed, lines, clock, clients, ports };
}

test('over the cap: OVERLOAD here, never handed off; a released slot admits the next', async (t) => {
  const s = await setup(t, { max: 2, burst: 100 });
  for (let i = 0; i < 4; i++) s.clients.push(await open(s.ports[i % 2]!));
  await waitFor(() => s.lines.filter((l) => l.endsWith('OVERLOAD dropping connection')).length === 2, 'two OVERLOAD lines');
  assert.equal(s.handed.length, 2, 'only the admitted two are handed off');
  assert.deepEqual(s.handed.map((h) => [h.route, h.ip]), [[0, '127.0.0.1'], [1, '127.0.0.1']], 'route index and source as accepted');
  assert.equal(s.handed[0]!.socket.isPaused(), true, 'handed off paused: nothing read here');
  assert.equal(s.gate.active, 2);
  // Released by its new owner (a worker saying it closed): the slot is free again.
  s.handed[0]!.release();
  assert.equal(s.gate.active, 1);
  s.clients.push(await open(s.ports[0]!));
  await waitFor(() => s.handed.length === 3, 'the next one handed off');
  assert.equal(s.lines.filter((l) => l.includes('OVERLOAD')).length, 2);
});

test('over the source\'s rate: RATELIMIT here, never handed off; another source is', async (t) => {
  const s = await setup(t, { max: 100, burst: 2 });
  for (let i = 0; i < 4; i++) s.clients.push(await open(s.ports[0]!, '127.0.0.7'));
  await waitFor(() => s.lines.filter((l) => l === '[127.0.0.7] RATELIMIT dropping connection').length === 2, 'two RATELIMIT lines');
  s.clients.push(await open(s.ports[0]!, '127.0.0.8'));
  await waitFor(() => s.handed.length === 3, 'the other source handed off');
  assert.deepEqual(s.handed.map((h) => h.ip), ['127.0.0.7', '127.0.0.7', '127.0.0.8']);
  // A rate-limited connection held its slot only until it closed (the original's order).
  await waitFor(() => s.gate.active === 3, 'rate-limited slots back once closed');
});
