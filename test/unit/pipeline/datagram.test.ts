// A UDP datagram's destination goes through the same authorize and connect stages as a TCP tunnel
// (pipeline/tunnel-stages.ts), on the injected clock: no socket, no sleep. The UDP door's port
// (pipeline/door.ts createUdpPort) decides without reporting; the door reports, throttled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClock } from '../../../src/clock.js';
import { configSchema } from '../../../src/config/schema.js';
import { allow } from '../../../src/errors.js';
import { EventBus, type Sks5Event } from '../../../src/observe/events.js';
import { createUdpPort } from '../../../src/pipeline/door.js';
import { Pipeline, type AdmissionStage } from '../../../src/pipeline/engine.js';
import { SessionRegistry } from '../../../src/pipeline/sessions.js';
import type { AuthedSession, TrafficMeter } from '../../../src/pipeline/types.js';
import { buildWorld } from '../../../src/pipeline/world.js';
import { DnsCache } from '../../../src/relay/dns-cache.js';
import { udpIdle } from '../../../src/socks/udp.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';

function setup(opts: { maxUdp?: number } = {}) {
  const config = configSchema.parse({
    security: { ip_guard_enabled: true },
    limits: { max_udp_sessions_per_user: opts.maxUdp ?? 0 },
    acl: { default_policy: 'allow' },
    users: [{
      username: 'alice', password_hash: HASH,
      acl: { deny: ['9.9.66.66:*', 'blocked.example:*'] },
      time_access: { access_hours: '09:00-17:00' },
    }],
  });
  const world = buildWorld(config, 0);
  const clock = new FakeClock('2026-12-03T16:59:00Z');
  const events = new EventBus(() => clock.now());
  const seen: Sks5Event[] = [];
  events.onAny((e) => seen.push(e));
  const aclDenials: string[] = [];
  const admission = { recordAclDenial: (ip: string) => aclDenials.push(ip) } as unknown as AdmissionStage;
  const released: number[] = [];
  const meter = { release: () => released.push(1) } as unknown as TrafficMeter;
  const lookups: Record<string, string[]> = { 'both.example': ['2620:fe::7', '9.9.9.7'], 'v6only.example': ['2620:fe::8'] };
  const dns = new DnsCache({
    ttl: 60, maxEntries: 10, clock,
    lookup: async (h) => { const a = lookups[h]; if (a) return a; throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${h}`), { code: 'ENOTFOUND' }); },
  });
  const limits = { acquire: () => allow(meter) };
  const pipeline = new Pipeline({
    world: () => world, events, clock, log: pino({ level: 'silent' }), sessions: new SessionRegistry(), dns,
    admission, limits,
  });
  const warnings: { msg: string; datagrams: unknown }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => { const l = JSON.parse(line) as { msg: string; datagrams: unknown }; warnings.push({ msg: l.msg, datagrams: l.datagrams }); } });
  const udp = createUdpPort({ pipeline, world: () => world, stages: { clock, limits, dns }, events, log, admission });
  const user = world.users.get('alice')!;
  const session: AuthedSession = { client: { ip: '203.0.113.9', port: 40000, door: 'socks5', connId: 'udp00001', startedAt: clock.now() }, user, method: 'password' };
  return { pipeline, udp, clock, seen, aclDenials, released, session, warnings };
}

test('an allowed datagram target is routed to its address, of the relay socket\'s family', async () => {
  const { udp, session } = setup();
  assert.deepEqual(await udp.routeDatagram(session, { host: '9.9.9.1', port: 53 }, 4), allow('9.9.9.1'));
  assert.deepEqual(await udp.routeDatagram(session, { host: 'both.example', port: 53 }, 4), allow('9.9.9.7'));
  assert.deepEqual(await udp.routeDatagram(session, { host: 'both.example', port: 53 }, 6), allow('2620:fe::7'));
});

test('an ACL-denied datagram is refused with the code a TCP tunnel gets', async () => {
  const { udp, session } = setup();
  for (const host of ['9.9.66.66', 'blocked.example']) {
    const d = await udp.routeDatagram(session, { host, port: 53 }, 4);
    assert.equal(!d.allow && d.code, 'SKS5_DENY_ACL', host);
  }
});

test('the anti-SSRF guard and port 0 refuse datagrams too', async () => {
  const { udp, session } = setup();
  const ssrf = await udp.routeDatagram(session, { host: '127.0.0.1', port: 53 }, 4);
  assert.equal(!ssrf.allow && ssrf.code, 'SKS5_DENY_SSRF');
  const zero = await udp.routeDatagram(session, { host: '9.9.9.1', port: 0 }, 4);
  assert.equal(!zero.allow && zero.code, 'SKS5_DENY_ACL');
});

test('a name that does not resolve (or only to the other family) is a connect failure, not a policy denial', async () => {
  const { udp, session } = setup();
  const nx = await udp.routeDatagram(session, { host: 'nx.example', port: 53 }, 4);
  assert.equal(!nx.allow && nx.code, 'SKS5_ERR_DNS');
  const v6 = await udp.routeDatagram(session, { host: 'v6only.example', port: 53 }, 4);
  assert.equal(!v6.allow && v6.code, 'SKS5_ERR_DNS');
});

test('UDP ASSOCIATE runs authorize and limits: max_udp_sessions_per_user refuses with SKS5_DENY_CONN_LIMIT and an event', async () => {
  const { pipeline, seen, released, session } = setup({ maxUdp: 1 });
  const first = await pipeline.associate(session, { host: '0.0.0.0', port: 0 }, 0);
  assert.equal(first.allow, true);
  const second = await pipeline.associate(session, { host: '0.0.0.0', port: 0 }, 1);
  assert.equal(!second.allow && second.code, 'SKS5_DENY_CONN_LIMIT');
  assert.deepEqual(seen.map((e) => [e.type, (e.data as { code: string }).code]), [['acl.deny', 'SKS5_DENY_CONN_LIMIT']]);
  assert.deepEqual(released, [], 'the refused association acquired no slot to release');
});

test('an association is idle after udp_relay_timeout of monotonic silence, never with timeout 0', () => {
  assert.equal(udpIdle(1000, 1000 + 300_000, 300_000), false, 'exactly the timeout is not over it');
  assert.equal(udpIdle(1000, 1001 + 300_000, 300_000), true);
  assert.equal(udpIdle(0, 10 ** 9, 0), false);
});

test('the UDP port routes a datagram through the same stages, and reports nothing itself', async () => {
  const { udp, clock, seen, aclDenials, session } = setup();
  assert.deepEqual(await udp.routeDatagram(session, { host: 'both.example', port: 53 }, 6), allow('2620:fe::7'));
  const acl = await udp.routeDatagram(session, { host: '9.9.66.66', port: 53 }, 4);
  assert.equal(!acl.allow && acl.code, 'SKS5_DENY_ACL');
  const nx = await udp.routeDatagram(session, { host: 'nx.example', port: 53 }, 4);
  assert.equal(!nx.allow && nx.code, 'SKS5_ERR_DNS');
  clock.advance(60_000);
  const late = await udp.routeDatagram(session, { host: '9.9.9.1', port: 53 }, 4);
  assert.equal(!late.allow && late.code, 'SKS5_DENY_TIME', 'the account re-check on the injected clock');
  assert.deepEqual(seen, []);
  assert.deepEqual(aclDenials, []);
});

test('the UDP port reports one event per report, carrying its datagram count, and reputation only when asked', () => {
  const { udp, seen, aclDenials, session, warnings } = setup();
  const target = { host: '9.9.66.66', port: 53 };
  udp.datagramsRefused(session, { target, code: 'SKS5_DENY_ACL', reason: 'deny rule', datagrams: 1, summary: false, reputation: true });
  udp.datagramsRefused(session, { target, code: 'SKS5_DENY_ACL', reason: '41 datagrams to 9.9.66.66:53 refused (SKS5_DENY_ACL)', datagrams: 41, summary: true, reputation: false });
  udp.datagramsRefused(session, { target: { host: 'nx.example', port: 53 }, code: 'SKS5_ERR_DNS', reason: 'no address', datagrams: 1, summary: false, reputation: false });
  assert.deepEqual(seen.map((e) => [e.type, (e.data as { datagrams?: number }).datagrams, (e.data as { reason: string }).reason]), [
    ['acl.deny', 1, 'deny rule'],
    ['acl.deny', 41, '41 datagrams to 9.9.66.66:53 refused (SKS5_DENY_ACL)'],
    ['connect.failed', 1, 'no address'],
  ]);
  assert.deepEqual(aclDenials, ['203.0.113.9']);
  assert.deepEqual(warnings, [
    { msg: 'datagram refused: deny rule', datagrams: 1 },
    { msg: '41 datagrams to 9.9.66.66:53 refused (SKS5_DENY_ACL)', datagrams: 41 },
    { msg: 'datagram refused: no address', datagrams: 1 },
  ]);
});
