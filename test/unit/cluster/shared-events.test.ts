import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { EventBus, eventTime, type Sks5Event } from '../../../src/observe/events.js';
import { EventOutbox, EventShare, eventChange, MAX_EVENT_BYTES, MAX_EVENTS_PER_FLUSH, nodeEvent } from '../../../src/cluster/shared-events.js';
import { decodeEnvelope, encodeEnvelope, MAX_EVENT_FIELDS } from '../../../src/cluster/messages.js';
import { StateSync } from '../../../src/cluster/state-sync.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { BanList } from '../../../src/policy/ban.js';
import { Reputation } from '../../../src/policy/reputation.js';
import { makeConfig, recordingBus } from '../store/state-fixtures.js';
import { HEARTBEAT_TIMEOUT_MS } from '../../../src/cluster/peers.js';
import type { StateChange } from '../../../src/cluster/messages.js';

const at = Date.parse('2026-05-01T12:00:00.123Z');

function busEvent(data: Record<string, unknown>): Sks5Event {
  let out: Sks5Event | undefined;
  const bus = new EventBus(() => at);
  bus.onAny((e) => { out = e; });
  bus.emit('ban.created', data as { ip: string; duration_secs: number; reason: string });
  assert.ok(out);
  return out;
}

test('an event crosses as its type, time and flat fields, and comes back as the same JSON naming its node', () => {
  const e = busEvent({ ip: '203.0.113.9', duration_secs: 600, reason: '3 failures', absent: undefined });
  const c = eventChange(e.type, eventTime(e), e.data);
  assert.deepEqual(c, { t: 'ev', ty: 'ban.created', at, d: { ip: '203.0.113.9', duration_secs: 600, reason: '3 failures' } });
  const decoded = decodeEnvelope(encodeEnvelope('node-a', [c!]));
  assert.ok(decoded.ok);
  const back = decoded.envelope.changes[0];
  assert.ok(back?.t === 'ev');
  assert.deepEqual(nodeEvent('node-a', back), { type: 'ban.created', timestamp: '2026-05-01T12:00:00.123Z', node: 'node-a', data: { ip: '203.0.113.9', duration_secs: 600, reason: '3 failures' } });
});

test('size bounds: text at MAX_EVENT_BYTES crosses, one byte more does not; too many fields do not', () => {
  const key = 'reason';
  assert.ok(eventChange('ban.created', at, { [key]: 'x'.repeat(MAX_EVENT_BYTES - key.length) }));
  assert.equal(eventChange('ban.created', at, { [key]: 'x'.repeat(MAX_EVENT_BYTES - key.length + 1) }), undefined);
  const fields = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));
  assert.ok(eventChange('ban.created', at, fields(MAX_EVENT_FIELDS)));
  assert.equal(eventChange('ban.created', at, fields(MAX_EVENT_FIELDS + 1)), undefined);
});

test('malformed event changes are refused whole: unknown type, nested value, extra key, text past the cap', () => {
  const cases = [
    '{"v":1,"n":"a","c":[{"t":"ev","ty":"nuke.launched","at":1,"d":{}}]}',
    '{"v":1,"n":"a","c":[{"t":"ev","ty":"ban.created","at":1,"d":{"x":{"y":1}}}]}',
    '{"v":1,"n":"a","c":[{"t":"ev","ty":"ban.created","at":1,"d":{},"extra":1}]}',
    `{"v":1,"n":"a","c":[{"t":"ev","ty":"ban.created","at":1,"d":{"r":"${'x'.repeat(4097)}"}}]}`,
  ];
  for (const text of cases) assert.equal(decodeEnvelope(text).ok, false, text.slice(0, 80));
});

test('the outbox sends at most MAX_EVENTS_PER_FLUSH per interval and counts the rest and the oversized', () => {
  const box = new EventOutbox();
  const e = busEvent({ ip: '203.0.113.9', duration_secs: 600, reason: 'x' });
  for (let i = 0; i < MAX_EVENTS_PER_FLUSH + 5; i++) box.add(e, at);
  box.add(busEvent({ reason: 'x'.repeat(MAX_EVENT_BYTES) }), at);
  assert.equal(box.take().length, MAX_EVENTS_PER_FLUSH);
  assert.equal(box.take().length, 0, 'taken once');
  assert.equal(box.takeDropped(), 6);
  assert.equal(box.takeDropped(), 0);
});

test("the state sync hands other nodes' events to onEvent, skips its own echo and counts them as no state change", () => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const config = makeConfig({});
  const { bus } = recordingBus(clock);
  const got: Array<[string, string]> = [];
  const sync = new StateSync({
    node: 'b', keys: clusterKeys('t:'), config: () => config, clock,
    bans: new BanList({ config: () => config, clock, events: bus }), reputation: new Reputation({ config: () => config, clock }),
    warn: () => undefined, onEvent: (n, c) => got.push([n, c.t === 'ev' ? c.ty : `watch:${c.on}`]),
  });
  const ev = { t: 'ev', ty: 'proxy.start', at, d: { username: 'alice' } } as const;
  sync.receive(encodeEnvelope('a', [ev, { t: 'watch', on: true }]));
  sync.receive(encodeEnvelope('b', [ev]));
  assert.deepEqual(got, [['a', 'proxy.start'], ['a', 'watch:true']]);
  assert.equal(sync.stats.received, 0);
});

test('eventTime reads the bus time without formatting, and parses a plain event', () => {
  assert.equal(eventTime(busEvent({ ip: '1' })), at);
  assert.equal(eventTime({ type: 'ban.expired', timestamp: '2026-05-01T12:00:00.123Z', data: { ip: '1' } }), at);
});

test('events are sent only while another node watches; a watcher silent past the heartbeat timeout stops counting', () => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const bus = new EventBus(() => clock.now());
  const sent: StateChange[][] = [];
  let up = true;
  const share = new EventShare({ clock, bus, up: () => up, publish: (c) => sent.push(c) });
  const emit = (): void => bus.emit('ban.expired', { ip: '203.0.113.9' });
  emit();
  share.flush();
  assert.equal(sent.length, 0, 'nobody watches: nothing sent');
  share.receive('b', { t: 'watch', on: true });
  assert.equal(share.watched, true);
  emit();
  share.flush();
  assert.deepEqual(sent.map((c) => c.map((x) => x.t)), [['ev']]);
  up = false;
  emit();
  share.flush();
  assert.equal(sent.length, 1, 'nothing queued while the store is away');
  up = true;
  clock.advance(HEARTBEAT_TIMEOUT_MS + 1);
  share.heartbeat();
  assert.equal(share.watched, false, 'b went silent');
  share.receive('b', { t: 'watch', on: true });
  share.receive('b', { t: 'watch', on: false });
  assert.equal(share.watched, false, 'b said it stopped');
  share.close();
});

test('this node says at once when its feed gains or loses its clients, and repeats it every heartbeat while it has some', () => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const sent: StateChange[] = [];
  const share = new EventShare({ clock, up: () => true, publish: (c) => sent.push(...c) });
  share.heartbeat();
  share.watching(true);
  share.watching(true);
  share.heartbeat();
  share.watching(false);
  share.heartbeat();
  assert.deepEqual(sent, [{ t: 'watch', on: true }, { t: 'watch', on: true }, { t: 'watch', on: false }]);
  const got: string[] = [];
  const off = share.onRemoteEvent((e) => got.push(`${e.node}:${e.type}`));
  share.receive('b', { t: 'ev', ty: 'proxy.start', at, d: {} });
  off();
  share.receive('b', { t: 'ev', ty: 'proxy.start', at, d: {} });
  assert.deepEqual(got, ['b:proxy.start']);
});
