import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/clock.js';
import { FingerprintSync } from '../../../src/cluster/fingerprint-sync.js';
import { decodeFingerprintVersion } from '../../../src/cluster/fingerprint-versions.js';
import { clusterKeys } from '../../../src/cluster/keys.js';
import { decodeEnvelope } from '../../../src/cluster/messages.js';
import { MemoryStore } from '../../../src/cluster/memory-store.js';
import { storeCommands } from '../../../src/cluster/store.js';
import type { FingerprintMaterial } from '../../../src/gate/fingerprint.js';
import { FingerprintStore } from '../../../src/store/fingerprints.js';

const FP = '0123456789abcdef0123456789abcdef';
const material: FingerprintMaterial = { fingerprint: FP, hassh: 'h', clientId: 'SSH-2.0-OpenSSH_9.6', raw: 'a;b', kex: 'a', hostKey: 'b',
  cipherC2S: 'c', cipherS2C: 'd', macC2S: 'e', macS2C: 'f', compressC2S: 'none', compressS2C: 'none', firstKexGuess: false };

/** The store port in memory (the same setIfNewer compare as the Lua on Redis), recording what is published. */
function fakeRedis() {
  const channel: string[] = [];
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const backend = new MemoryStore(clock, (_ch, message) => { channel.push(message); return 1; });
  const client = storeCommands(backend);
  const all = (): Record<string, string> => backend.run([{ op: 'hGetAll', key: 't:fp' }])[0] as Record<string, string>;
  const hash = {
    get: (field: string): string | undefined => all()[field],
    get size(): number { return Object.keys(all()).length; },
  };
  return { hash, channel, client };
}

function gate(t: { after(fn: () => void): void }, name: string, clock: FakeClock) {
  const dir = mkdtempSync(join(tmpdir(), `fpsync-${name}-`));
  const store = FingerprintStore.open(join(dir, 'g.db'));
  const warnings: string[] = [];
  const sync = new FingerprintSync({ node: name, sender: name, keys: clusterKeys('t:'), clock, store, warn: (m) => warnings.push(m) });
  t.after(() => { sync.close(); store.close(); rmSync(dir, { recursive: true, force: true }); });
  return { store, sync, warnings };
}

/** Delivers every message published since `from` to `to` (as the subscriber would), skipping its own. */
function deliver(channel: string[], from: number, to: FingerprintSync, self: string): number {
  for (const text of channel.slice(from)) {
    const d = decodeEnvelope(text);
    assert.ok(d.ok, text.slice(0, 200));
    if (d.envelope.node === self) continue;
    for (const c of d.envelope.changes) if (c.t === 'fp' || c.t === 'fp-seen') to.receive(c);
  }
  return channel.length;
}

test('a client first seen on A is listed on B; approved on A, it is approved on B (audited as redis:A); an older decision loses', async (t) => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const redis = fakeRedis();
  const a = gate(t, 'gate-a', clock);
  const b = gate(t, 'gate-b', clock);
  await a.sync.resync(redis.client);
  await b.sync.resync(redis.client);

  a.store.observe(material, '192.0.2.7', true, clock.now());
  await a.sync.flush();
  let seen = deliver(redis.channel, 0, b.sync, 'gate-b');
  const onB = b.store.get(FP);
  assert.equal(onB?.status, 'blocked');
  assert.equal(onB?.clientId, 'SSH-2.0-OpenSSH_9.6', 'the record travels with the sighting');
  assert.deepEqual(onB?.ips, [], 'source addresses stay with the gate that saw them');
  assert.equal(redis.hash.size, 0, 'a sighting is not stored in Redis');

  clock.advance(1000);
  a.store.setStatus(FP, 'approved', 'cli:alice', clock.now(), 'Alice laptop');
  await a.sync.flush();
  assert.equal(decodeFingerprintVersion(redis.hash.get(FP)!)?.status, 'approved', 'the decision is stored in Redis');
  seen = deliver(redis.channel, seen, b.sync, 'gate-b');
  assert.deepEqual([b.store.status(FP), b.store.get(FP)?.label], ['approved', 'Alice laptop']);
  assert.deepEqual(b.store.events(FP).map((e) => [e.who, e.newStatus]), [['redis:gate-a', 'approved']]);

  // B's own flush does not send A's decision back as its own.
  await b.sync.flush();
  assert.equal(redis.channel.length, seen, 'nothing to publish on B');

  b.sync.receive({ t: 'fp', f: FP, a: clock.now() - 500, n: 'gate-c', s: 'blocked', l: '' });
  assert.equal(b.store.status(FP), 'approved', 'a decision made before the approval loses');
  assert.deepEqual(a.warnings.concat(b.warnings), []);
});

test('decided while apart: the later decision wins on both sides after the merge, whatever the order of return', async (t) => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const redis = fakeRedis();
  const a = gate(t, 'gate-a', clock);
  const b = gate(t, 'gate-b', clock);
  for (const g of [a, b]) g.store.observe(material, '192.0.2.7', true, clock.now());
  clock.advance(1000);
  a.store.setStatus(FP, 'approved', 'cli:alice', clock.now(), 'ok');
  clock.advance(1000);
  b.store.setStatus(FP, 'blocked', 'api', clock.now());
  // A comes back first with the older approval; B then merges its later block over it.
  await a.sync.resync(redis.client);
  await b.sync.resync(redis.client);
  assert.equal(decodeFingerprintVersion(redis.hash.get(FP)!)?.status, 'blocked');
  deliver(redis.channel, 0, a.sync, 'gate-a');
  assert.equal(a.store.status(FP), 'blocked', 'A takes the later block from the channel');
  await a.sync.refresh();
  assert.equal(a.store.status(FP), 'blocked');
});

test('an approval made while Redis was away survives the merge; a restart rebuilds the stamps from the events', async (t) => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const redis = fakeRedis();
  const a = gate(t, 'gate-a', clock);
  a.store.register(FP, 'approved', 'cli:alice', clock.now(), 'offline');
  await a.sync.flush();
  assert.equal(redis.hash.size, 0, 'detached: nothing sent');
  await a.sync.resync(redis.client);
  const stored = decodeFingerprintVersion(redis.hash.get(FP)!);
  assert.deepEqual(stored && [stored.status, stored.label, stored.node, stored.at], ['approved', 'offline', 'gate-a', clock.now()]);
  // Same file, new process: the ledger comes from fingerprint_events, so nothing is pushed twice.
  const again = new FingerprintSync({ node: 'gate-a', sender: 'gate-a', keys: clusterKeys('t:'), clock, store: a.store, warn: () => undefined });
  t.after(() => again.close());
  assert.deepEqual(again.version(FP), stored);
  const before = redis.channel.length;
  await again.resync(redis.client);
  assert.equal(redis.channel.length, before, 'equal versions: no message');
});

test('a deletion is a tombstone: it removes the row elsewhere, spares one first seen after it, and a later sighting comes back', async (t) => {
  const clock = new FakeClock('2026-05-01T12:00:00Z');
  const redis = fakeRedis();
  const a = gate(t, 'gate-a', clock);
  const b = gate(t, 'gate-b', clock);
  await a.sync.resync(redis.client);
  await b.sync.resync(redis.client);
  a.store.register(FP, 'approved', 'cli:alice', clock.now(), 'x');
  await a.sync.flush();
  let seen = deliver(redis.channel, 0, b.sync, 'gate-b');
  assert.equal(b.store.status(FP), 'approved');
  clock.advance(1000);
  a.store.delete(FP, 'cli:alice', clock.now());
  await a.sync.flush();
  seen = deliver(redis.channel, seen, b.sync, 'gate-b');
  assert.equal(b.store.status(FP), null, 'deleted on B');
  assert.equal(decodeFingerprintVersion(redis.hash.get(FP)!)?.removed, true);
  clock.advance(1000);
  b.store.observe(material, '192.0.2.8', true, clock.now());
  await b.sync.flush();
  deliver(redis.channel, seen, a.sync, 'gate-a');
  assert.equal(a.store.status(FP), 'blocked', 'seen again after the delete: recorded again on A');
});
