/**
 * SSE and WebSocket on a real loopback socket. The server state is a FAKE (test/unit/api/
 * fake-port.ts); the HTTP server, tickets, event fan-out and back-pressure are real.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { FakeClock } from '../../src/clock.js';
import { EventBus } from '../../src/observe/events.js';
import { createApiServer } from '../../src/api/server.js';
import { FakePort } from '../unit/api/fake-port.js';
import type { LiveCluster, LiveEvent } from '../../src/api/live.js';

const TOKEN = 'live-token-0123456789abcdef';
const WAIT_MS = 10_000;

async function start(t: TestContext, opts: { snapshotIntervalMs?: number; maxBufferedBytes?: number; cluster?: LiveCluster } = {}) {
  const port = new FakePort();
  const clock = new FakeClock(Date.now());
  const events = new EventBus(() => clock.now());
  const app = createApiServer({ port, events, token: TOKEN, clock, ...opts });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const addr = app.server.address() as AddressInfo;
  const base = `127.0.0.1:${addr.port}`;
  const ticket = async (): Promise<string> => {
    const r = await fetch(`http://${base}/api/sse-ticket`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await r.json()) as { data: { ticket: string; expires_in: number } };
    assert.equal(body.data.expires_in, 30);
    assert.match(body.data.ticket, /^\d+:[0-9a-f]{32}:[0-9a-f]{64}$/);
    return body.data.ticket;
  };
  return { port, clock, events, app, base, ticket };
}

/** Opens an SSE stream and collects parsed frames. */
function sse(t: TestContext, base: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ res: IncomingMessage; frames: Array<{ event: string; data: string }>; next: (pred: (f: { event: string; data: string }) => boolean) => Promise<{ event: string; data: string }> }>((resolve, reject) => {
    const req = request(`http://${base}${path}`, { headers }, (res) => {
      const frames: Array<{ event: string; data: string }> = [];
      const waiters: Array<() => void> = [];
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const raw = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of raw.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) frames.push({ event, data: data.join('\n') });
        }
        for (const w of waiters.splice(0)) w();
      });
      const next = (pred: (f: { event: string; data: string }) => boolean) => new Promise<{ event: string; data: string }>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('expected SSE frame never arrived')), WAIT_MS);
        const check = (): void => {
          const f = frames.find(pred);
          if (f) { clearTimeout(timer); ok(f); } else waiters.push(check);
        };
        check();
      });
      resolve({ res, frames, next });
    });
    req.on('error', reject);
    t.after(() => req.destroy());
    req.end();
  });
}

test('SSE: a ticket opens the stream, which carries a status snapshot and bus events', async (t) => {
  const { events, base, ticket } = await start(t, { snapshotIntervalMs: 100 });
  const s = await sse(t, base, `/api/events?ticket=${await ticket()}`);
  assert.equal(s.res.statusCode, 200);
  assert.match(s.res.headers['content-type'] as string, /text\/event-stream/);
  const first = JSON.parse((await s.next((f) => f.event === 'message')).data);
  assert.equal(first.type, 'status');
  assert.equal(first.total_users, 2);
  assert.deepEqual(first.bans, [{ ip: '203.0.113.9', expires_at: '600s' }]);
  assert.deepEqual(first.connections, { alice: 1, bob: 1 });
  events.emit('auth.failure', { username: 'mallory', source_ip: '192.0.2.7', method: 'password', protocol: 'ssh', conn_id: 'c1', reason: 'bad password' });
  const ev = JSON.parse((await s.next((f) => f.event === 'audit')).data);
  assert.equal(ev.type, 'auth.failure');
  assert.equal(ev.data.username, 'mallory');
  // The periodic snapshot keeps coming and now lists the event among recent_events.
  const later = await s.next((f) => f.event === 'message' && JSON.parse(f.data).recent_events.length === 1);
  assert.equal(JSON.parse(later.data).recent_events[0].type, 'auth.failure');
});

test('SSE in a cluster: local events name this node, other nodes\' events arrive with theirs; without a cluster no node field', async (t) => {
  const remote = new Set<(e: LiveEvent) => void>();
  const watching: boolean[] = [];
  const cluster: LiveCluster = { node: 'node-b', onRemoteEvent: (l) => { remote.add(l); return () => remote.delete(l); }, watching: (on) => watching.push(on) };
  const clustered = await start(t, { cluster, snapshotIntervalMs: 100 });
  const s = await sse(t, clustered.base, '/api/events', { authorization: `Bearer ${TOKEN}` });
  clustered.events.emit('ban.expired', { ip: '203.0.113.9' });
  const local = JSON.parse((await s.next((f) => f.event === 'audit')).data);
  assert.deepEqual(Object.keys(local), ['type', 'timestamp', 'node', 'data']);
  assert.equal(local.node, 'node-b');
  assert.deepEqual(local.data, { ip: '203.0.113.9' });
  for (const l of remote) l({ type: 'proxy.start', timestamp: '2026-05-01T12:00:00.000Z', node: 'node-a', data: { username: 'alice' } });
  const other = JSON.parse((await s.next((f) => f.event === 'audit' && JSON.parse(f.data).node === 'node-a')).data);
  assert.deepEqual(other, { type: 'proxy.start', timestamp: '2026-05-01T12:00:00.000Z', node: 'node-a', data: { username: 'alice' } });
  const snap = await s.next((f) => f.event === 'message' && JSON.parse(f.data).recent_events.length === 2);
  assert.deepEqual(JSON.parse(snap.data).recent_events.map((e: { node: string }) => e.node), ['node-b', 'node-a']);

  const alone = await start(t);
  const a = await sse(t, alone.base, '/api/events', { authorization: `Bearer ${TOKEN}` });
  alone.events.emit('ban.expired', { ip: '203.0.113.9' });
  assert.deepEqual(Object.keys(JSON.parse((await a.next((f) => f.event === 'audit')).data)), ['type', 'timestamp', 'data']);
  assert.deepEqual(watching, [true], 'the first client makes this node a watcher');
  await clustered.app.close();
  assert.equal(remote.size, 0, 'the feed unsubscribes from the cluster when it stops');
  assert.deepEqual(watching, [true, false], 'and the last one leaving ends it');
});

test('SSE: the Bearer header works; a replayed, forged, expired or missing ticket is refused', async (t) => {
  const { base, ticket, clock } = await start(t);
  const viaHeader = await sse(t, base, '/api/events', { authorization: `Bearer ${TOKEN}` });
  assert.equal(viaHeader.res.statusCode, 200);
  const tk = await ticket();
  assert.equal((await sse(t, base, `/api/events?ticket=${tk}`)).res.statusCode, 200);
  const status = async (path: string): Promise<[number, string]> => {
    const r = await fetch(`http://${base}${path}`);
    return [r.status, ((await r.json()) as { error: string }).error];
  };
  assert.deepEqual(await status(`/api/events?ticket=${tk}`), [401, 'unauthorized: ticket replayed']);
  const fresh = await ticket();
  const forged = fresh.slice(0, -1) + (fresh.endsWith('0') ? '1' : '0');
  assert.deepEqual(await status(`/api/events?ticket=${forged}`), [401, 'unauthorized: ticket bad_signature']);
  assert.deepEqual(await status('/api/events?ticket=garbage'), [401, 'unauthorized: ticket malformed']);
  assert.deepEqual(await status('/api/events'), [401, 'unauthorized']);
  assert.deepEqual(await status(`/api/events?token=${TOKEN}`), [401, 'unauthorized']);
  const old = await ticket();
  clock.advance(31_000);
  assert.deepEqual(await status(`/api/events?ticket=${old}`), [401, 'unauthorized: ticket expired']);
  // A ticket is for streams only: it does not open the REST API.
  assert.equal((await fetch(`http://${base}/api/status?ticket=${await ticket()}`)).status, 401);
});

function wsOpen(t: TestContext, url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  t.after(() => ws.terminate());
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => { messages.push(JSON.parse(d.toString())); for (const w of waiters.splice(0)) w(); });
  const next = (pred: (m: Record<string, unknown>) => boolean) => new Promise<Record<string, unknown>>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('expected WS message never arrived')), WAIT_MS);
    const check = (): void => {
      const i = messages.findIndex(pred);
      if (i >= 0) { clearTimeout(timer); ok(messages.splice(i, 1)[0] as Record<string, unknown>); } else waiters.push(check);
    };
    check();
  });
  return { ws, next };
}

test('WebSocket: ticket auth, snapshot, bus events and the original commands', async (t) => {
  const { events, base, ticket, port } = await start(t);
  const { ws, next } = wsOpen(t, `ws://${base}/api/ws?ticket=${await ticket()}`);
  const snap = await next((m) => m['type'] === 'status');
  assert.equal(snap['total_users'], 2);
  events.emit('ban.created', { ip: '192.0.2.50', duration_secs: 900, reason: 'auth failures' });
  const ev = await next((m) => m['type'] === 'event');
  assert.deepEqual((ev['event'] as { type: string; data: unknown }).data, { ip: '192.0.2.50', duration_secs: 900, reason: 'auth failures' });
  const send = (cmd: unknown) => { ws.send(typeof cmd === 'string' ? cmd : JSON.stringify(cmd)); return next((m) => m['type'] === 'reply'); };
  assert.deepEqual(await send({ action: 'kick', username: 'alice' }), { type: 'reply', success: true, action: 'kick' });
  assert.deepEqual(port.kicked.map((k) => k.username), ['alice']);
  assert.deepEqual(await send({ action: 'kick', username: 'nobody' }), { type: 'reply', success: false, action: 'kick', error: 'unknown user nobody', code: 'SKS5_ERR_API_NOT_FOUND' });
  assert.deepEqual(await send({ action: 'maintenance' }), { type: 'reply', success: true, action: 'maintenance' });
  assert.equal(port.maintenanceState.enabled, true, 'enabled defaults to true, as in the original');
  await send({ action: 'maintenance', enabled: false });
  assert.equal(port.maintenanceState.enabled, false);
  assert.deepEqual(await send({ action: 'unban', ip: '203.0.113.9' }), { type: 'reply', success: true, action: 'unban' });
  assert.equal((await send({ action: 'unban', ip: 'nope' }))['success'], false);
  assert.deepEqual(await send({ action: 'broadcast', message: 'reboot at 5' }), { type: 'reply', success: true, action: 'broadcast' });
  assert.equal(port.broadcasts[0]?.message, 'reboot at 5');
  const unknown = await send({ action: 'rm -rf' });
  assert.equal(unknown['success'], false);
  assert.equal(unknown['code'], 'SKS5_ERR_API_BAD_REQUEST');
  assert.equal((await send('{not json'))['success'], false);
  assert.equal((await send('[1,2]'))['success'], false);
});

test('WebSocket: refused without auth, with a replayed ticket, or with the token in the URL', async (t) => {
  const { base, ticket } = await start(t);
  const refused = (url: string, headers: Record<string, string> = {}) => new Promise<number>((ok, fail) => {
    const ws = new WebSocket(url, { headers });
    t.after(() => ws.terminate());
    ws.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0));
    ws.on('open', () => fail(new Error('opened without auth')));
    ws.on('error', () => { /* reported through unexpected-response */ });
  });
  assert.equal(await refused(`ws://${base}/api/ws`), 401);
  assert.equal(await refused(`ws://${base}/api/ws?token=${TOKEN}`), 401);
  const tk = await ticket();
  const { next } = wsOpen(t, `ws://${base}/api/ws?ticket=${tk}`);
  await next((m) => m['type'] === 'status');
  assert.equal(await refused(`ws://${base}/api/ws?ticket=${tk}`), 401);
  const { next: viaHeader } = wsOpen(t, `ws://${base}/api/ws`, { authorization: `Bearer ${TOKEN}` });
  await viaHeader((m) => m['type'] === 'status');
});

test('a subscriber that stops reading is dropped instead of buffered without bound', async (t) => {
  const { events, base, ticket } = await start(t, { maxBufferedBytes: 64 * 1024 });
  const s = await sse(t, base, `/api/events?ticket=${await ticket()}`);
  await s.next((f) => f.event === 'message');
  s.res.pause();
  const { ws, next } = wsOpen(t, `ws://${base}/api/ws?ticket=${await ticket()}`);
  await next((m) => m['type'] === 'status');
  const wsClosed = new Promise<number>((ok) => ws.on('close', (code) => ok(code)));
  ws.pause();
  const reason = 'x'.repeat(8 * 1024);
  const BURST = 4000; // 32 MiB: far more than loopback socket buffers hold
  for (let i = 0; i < BURST; i += 1) events.emit('auth.failure', { username: 'u', source_ip: '192.0.2.1', method: 'password', protocol: 'ssh', conn_id: String(i), reason });
  const sseEnded = new Promise<void>((ok) => { s.res.on('close', ok); s.res.on('end', ok); s.res.on('error', () => ok()); });
  s.res.resume();
  ws.resume();
  await withTimeout(sseEnded, 'the slow SSE client was never dropped');
  assert.ok(s.frames.filter((f) => f.event === 'audit').length < BURST, 'the SSE stream was cut short');
  assert.equal(await withTimeout(wsClosed, 'the slow WS client was never dropped'), 1008);
});

function withTimeout<T>(p: Promise<T>, message: string): Promise<T> {
  return new Promise<T>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(message)), WAIT_MS * 3);
    p.then((v) => { clearTimeout(timer); ok(v); }, (e: unknown) => { clearTimeout(timer); fail(e as Error); });
  });
}
