import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeKexinit, type FingerprintMaterial } from '../../../src/gate/fingerprint.js';
import { parseKexinitPayload } from '../../../src/gate/kexinit.js';
import { FingerprintStore, MAX_IPS_PER_FINGERPRINT, SIGHTING_BATCH_MS, decodeTime, encodeTime } from '../../../src/store/fingerprints.js';
import { SAMPLE_LISTS, kexinitPayload } from '../../fixtures/gate/packets.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');

function material(variant = ''): FingerprintMaterial {
  const r = parseKexinitPayload(kexinitPayload({ ...SAMPLE_LISTS, kex: `${SAMPLE_LISTS.kex}${variant}` }));
  assert.ok(r.ok);
  return describeKexinit(r.kexinit, Buffer.from('SSH-2.0-test'));
}

function tempDb(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sshgate-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'sub', 'sshgate.db');
}

/** Two handles on one fresh database: the gate's, and another process's (the CLI, or sks5). */
function twoHandles(t: TestContext): [FingerprintStore, FingerprintStore] {
  const path = tempDb(t);
  const a = FingerprintStore.open(path);
  const b = FingerprintStore.open(path);
  t.after(() => { a.close(); b.close(); });
  return [a, b];
}

test('observe: unknown starts blocked (pending with allow-unknown), tracks IPs, count and hassh', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  const m = material();
  const e1 = s.observe(m, '203.0.113.9', true, T0);
  assert.equal(e1.status, 'blocked');
  assert.equal(e1.count, 1);
  assert.equal(e1.hassh, m.hassh);
  const e2 = s.observe(m, '198.51.100.1', true, T0 + 1000);
  assert.deepEqual(e2.ips, ['198.51.100.1', '203.0.113.9']);
  assert.equal(e2.count, 2);
  assert.equal(e2.firstSeen, T0);
  assert.equal(e2.lastSeen, T0 + 1000);
  assert.equal(s.observe(material('x'), '', false, T0).status, 'pending');
});

test('upsert keeps status, label and first_seen; approval survives re-observation', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  const m = material();
  s.observe(m, '192.0.2.1', true, T0);
  s.setStatus(m.fingerprint, 'approved', 'cli:alice', T0 + 5, 'Alice laptop');
  const e = s.observe(m, '192.0.2.1', true, T0 + 10_000);
  assert.equal(e.status, 'approved');
  assert.equal(e.label, 'Alice laptop');
  assert.equal(e.firstSeen, T0);
});

test('setStatus without a label keeps the label; with one it replaces it', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  const fp = material().fingerprint;
  s.observe(material(), '192.0.2.1', true, T0);
  s.setStatus(fp, 'approved', 'cli:a', T0, 'first');
  s.setStatus(fp, 'approved', 'cli:a', T0);
  assert.equal(s.get(fp)?.label, 'first');
  s.setStatus(fp, 'approved', 'cli:a', T0, 'second');
  assert.equal(s.get(fp)?.label, 'second');
});

test('register pre-approves an unseen fingerprint; the first sighting fills metadata and keeps status', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  const m = material();
  s.register(m.fingerprint, 'approved', 'ansible', T0, 'CI');
  const placeholder = s.get(m.fingerprint);
  assert.equal(placeholder?.count, 0);
  assert.equal(placeholder?.clientId, '');
  const e = s.observe(m, '192.0.2.7', true, T0 + 1);
  assert.equal(e.status, 'approved');
  assert.equal(e.label, 'CI');
  assert.equal(e.clientId, 'SSH-2.0-test');
  assert.equal(e.count, 1);
});

test('a status change through a second handle is seen live by the first', (t) => {
  const [gate, cli] = twoHandles(t);
  const m = material();
  gate.observe(m, '192.0.2.1', true, T0);
  cli.setStatus(m.fingerprint, 'approved', 'cli:bob', T0);
  assert.equal(gate.status(m.fingerprint), 'approved');
  assert.equal(gate.observe(m, '192.0.2.1', true, T0 + 1).status, 'approved');
});

test('pruning removes the oldest non-approved rows and never approved ones', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  const a = material('a'), b = material('b'), c = material('c'), d = material('d');
  s.observe(a, '', true, T0);
  s.observe(b, '', true, T0 + 1000);
  s.observe(c, '', true, T0 + 2000);
  s.observe(d, '', true, T0 + 3000);
  s.setStatus(a.fingerprint, 'approved', 'cli', T0);
  assert.equal(s.prune(2), 2);
  assert.deepEqual(s.list().map((e) => e.fingerprint).sort(), [a.fingerprint, d.fingerprint].sort());
  assert.equal(s.prune(0), 0);
  assert.equal(s.prune(-1), 0);
  s.setStatus(d.fingerprint, 'approved', 'cli', T0);
  assert.equal(s.prune(1), 0, 'approved rows stay even above the cap');
  assert.equal(s.count(), 2);
});

test('the IP list keeps the newest 128 addresses', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  const m = material();
  for (let i = 0; i < MAX_IPS_PER_FINGERPRINT + 5; i++) s.observe(m, `10.0.${i >> 8}.${i & 255}`, true, T0 + i * 1000);
  const e = s.get(m.fingerprint);
  assert.equal(e?.ips.length, MAX_IPS_PER_FINGERPRINT);
  assert.ok(!e?.ips.includes('10.0.0.0') && e?.ips.includes(`10.0.0.${MAX_IPS_PER_FINGERPRINT + 4}`));
});

test('prefix resolution: exact wins, unique prefix resolves, errors use the original texts', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  s.register('aaaa0000000000000000000000000000', 'pending', 'cli', T0);
  s.register('aaaa1111111111111111111111111111', 'pending', 'cli', T0);
  assert.equal(s.resolve('aaaa1'), 'aaaa1111111111111111111111111111');
  assert.throws(() => s.resolve('b'), { message: 'fingerprint not found: b' });
  assert.throws(() => s.resolve('aaaa'), {
    message: 'ambiguous fingerprint prefix "aaaa" matches: [aaaa0000000000000000000000000000 aaaa1111111111111111111111111111]',
  });
});

test('label, delete and status changes need an existing row and are recorded as events', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  const fp = material().fingerprint;
  assert.throws(() => s.setLabel(fp, 'x', 'cli', T0), { message: `fingerprint not found: ${fp}` });
  assert.throws(() => s.setStatus(fp, 'approved', 'cli', T0), { message: `fingerprint not found: ${fp}` });
  s.observe(material(), '192.0.2.1', true, T0);
  s.setStatus(fp, 'approved', 'cli:alice', T0 + 1, 'lbl');
  s.setLabel(fp, 'renamed', 'cli:bob', T0 + 2);
  s.delete(fp, 'cli:carol', T0 + 3);
  assert.throws(() => s.delete(fp, 'cli', T0), { message: `fingerprint not found: ${fp}` });
  const ev = s.events(fp).map((e) => [e.who, e.action, e.oldStatus, e.newStatus, e.label]);
  assert.deepEqual(ev, [
    ['cli:alice', 'status', 'blocked', 'approved', 'lbl'],
    ['cli:bob', 'label', 'approved', 'approved', 'renamed'],
    ['cli:carol', 'delete', 'approved', '', ''],
  ]);
  assert.equal(s.events(fp)[0]?.at, encodeTime(T0 + 1));
});

test('an original (Gen 1) database opens, and after our migration still has its columns intact', (t) => {
  const path = tempDb(t);
  FingerprintStore.open(path).close();
  rmSync(path);
  const raw = new Database(path);
  raw.exec(`CREATE TABLE fingerprints (fp TEXT PRIMARY KEY, status TEXT NOT NULL, label TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, client_id TEXT NOT NULL DEFAULT '', raw TEXT NOT NULL DEFAULT '',
    kex TEXT NOT NULL DEFAULT '', host_key TEXT NOT NULL DEFAULT '', cipher_c2s TEXT NOT NULL DEFAULT '',
    mac_c2s TEXT NOT NULL DEFAULT '', compress_c2s TEXT NOT NULL DEFAULT '', first_kex_guess INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE fingerprint_ips (fp TEXT NOT NULL REFERENCES fingerprints(fp) ON DELETE CASCADE, ip TEXT NOT NULL, PRIMARY KEY (fp, ip));
    INSERT INTO fingerprints (fp, status, label, first_seen, last_seen) VALUES
      ('2edbc78717d7f7d5c4c7e3a0bca94ef7', 'approved', 'laptop', '2025-01-02T03:04:05.123456789Z', '2025-01-03T00:00:00Z');
    INSERT INTO fingerprint_ips VALUES ('2edbc78717d7f7d5c4c7e3a0bca94ef7', '192.0.2.5');`);
  raw.close();
  const s = FingerprintStore.open(path);
  const e = s.get('2edbc78717d7f7d5c4c7e3a0bca94ef7');
  assert.equal(e?.status, 'approved');
  assert.equal(e?.label, 'laptop');
  assert.equal(e?.firstSeen, Date.parse('2025-01-02T03:04:05.123Z'));
  assert.deepEqual(e?.ips, ['192.0.2.5']);
  s.close();
  // The original's own queries (Gen 1 column list, INSERT OR IGNORE of IPs) still work.
  const again = new Database(path);
  again.prepare(`SELECT fp, status, label, first_seen, last_seen, client_id, raw, kex, host_key, cipher_c2s, cipher_s2c,
    mac_c2s, mac_s2c, compress_c2s, compress_s2c, first_kex_guess FROM fingerprints`).all();
  again.prepare('INSERT OR IGNORE INTO fingerprint_ips (fp, ip) VALUES (?, ?)').run('2edbc78717d7f7d5c4c7e3a0bca94ef7', '192.0.2.6');
  again.close();
});

test('times are stored as Go RFC3339Nano UTC', () => {
  assert.equal(encodeTime(Date.parse('2026-03-01T10:00:00.000Z')), '2026-03-01T10:00:00Z');
  assert.equal(encodeTime(Date.parse('2026-03-01T10:00:00.120Z')), '2026-03-01T10:00:00.12Z');
  assert.equal(decodeTime('0001-01-01T00:00:00Z'), null);
  assert.equal(decodeTime('garbage'), null);
});

test('repeat sightings within a second are answered at once and written in one batch', (t) => {
  const [s, other] = twoHandles(t);
  const m = material();
  s.observe(m, '192.0.2.1', true, T0);
  const e2 = s.observe(m, '192.0.2.2', true, T0 + 100);
  const e3 = s.observe(m, '192.0.2.1', true, T0 + 200);
  // What the gate sees is exact immediately…
  assert.equal(e3.count, 3);
  assert.deepEqual(e2.ips, ['192.0.2.1', '192.0.2.2']);
  assert.equal(e3.lastSeen, T0 + 200);
  assert.equal(e3.firstSeen, T0);
  // …another process sees the batch once it is written (at most SIGHTING_BATCH_MS later).
  assert.equal(other.get(m.fingerprint)?.count, 1);
  s.flush();
  const stored = other.get(m.fingerprint);
  assert.equal(stored?.count, 3);
  assert.equal(stored?.lastSeen, T0 + 200);
  assert.deepEqual(stored?.ips, ['192.0.2.1', '192.0.2.2']);
  // Reads through the same handle never see a stale row.
  s.observe(m, '192.0.2.3', true, T0 + 300);
  assert.equal(s.get(m.fingerprint)?.count, 4);
});

test('a sighting a second or more after the last write is written at once', (t) => {
  const [s, other] = twoHandles(t);
  const m = material();
  s.observe(m, '192.0.2.1', true, T0);
  s.observe(m, '192.0.2.1', true, T0 + 500);
  s.observe(m, '192.0.2.1', true, T0 + SIGHTING_BATCH_MS);
  assert.equal(other.get(m.fingerprint)?.count, 3);
});

test('within the batch window, status and label changes from another process apply to the next sighting', (t) => {
  const [s, cli] = twoHandles(t);
  const m = material();
  assert.equal(s.observe(m, '192.0.2.1', true, T0).status, 'blocked');
  cli.setStatus(m.fingerprint, 'approved', 'cli:a', T0 + 10, 'laptop');
  const e = s.observe(m, '192.0.2.1', true, T0 + 20);
  assert.equal(e.status, 'approved');
  assert.equal(e.label, 'laptop');
  cli.setLabel(m.fingerprint, 'renamed', 'cli:a', T0 + 30);
  assert.equal(s.observe(m, '192.0.2.1', true, T0 + 40).label, 'renamed');
  cli.setStatus(m.fingerprint, 'blocked', 'cli:a', T0 + 50);
  assert.equal(s.observe(m, '192.0.2.1', true, T0 + 60).status, 'blocked');
  s.close();
  assert.equal(cli.get(m.fingerprint)?.count, 4);
});

test('a fingerprint deleted inside the batch window starts over; queued sightings stay deleted', (t) => {
  const [s, cli] = twoHandles(t);
  const m = material();
  s.observe(m, '192.0.2.1', true, T0);
  s.observe(m, '192.0.2.2', true, T0 + 10);
  cli.delete(m.fingerprint, 'cli:a', T0 + 20);
  s.flush();
  assert.equal(cli.get(m.fingerprint), null);
  const again = s.observe(m, '192.0.2.3', true, T0 + 30);
  assert.equal(again.count, 1);
  assert.equal(again.firstSeen, T0 + 30);
  assert.deepEqual(again.ips, ['192.0.2.3']);
});

test('batched sightings keep the IP list to the newest 128, as a full write would', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  const m = material();
  let last = s.observe(m, '10.1.0.0', true, T0);
  for (let i = 1; i < MAX_IPS_PER_FINGERPRINT + 20; i++) last = s.observe(m, `10.1.${i >> 8}.${i & 255}`, true, T0 + (i % 900));
  assert.equal(last.ips.length, MAX_IPS_PER_FINGERPRINT);
  assert.deepEqual(s.get(m.fingerprint)?.ips, last.ips);
});

test('a burst of many sources within one batch keeps exactly what the SQL trim keeps (ties: smallest IP)', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  const m = material();
  s.observe(m, '10.9.9.9', true, T0 + 1);
  // 300 new sources in the same millisecond: last_seen ties everywhere, the trim keeps the smallest IPs.
  const ips = Array.from({ length: 300 }, (_, i) => `10.2.${(i * 7919) % 256}.${i % 256}`);
  for (const ip of ips) s.observe(m, ip, true, T0 + 2);
  const expected = [...new Set(ips)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, MAX_IPS_PER_FINGERPRINT);
  const stored = s.get(m.fingerprint);
  assert.equal(stored?.count, 301);
  assert.deepEqual(stored?.ips, expected);
});

test('a flood of one-off fingerprints is written in full and stays correct after the window', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  for (let i = 0; i < 50; i++) s.observe(material(`-${i}`), '192.0.2.1', true, T0 + i * 100);
  // Seen again well after its window: a full write, with the count from the database.
  const again = s.observe(material('-0'), '192.0.2.9', true, T0 + 10_000);
  assert.equal(again.count, 2);
  assert.deepEqual(again.ips, ['192.0.2.1', '192.0.2.9']);
  assert.equal(s.count(), 50);
});

test('the IP trim orders by time, not by text: a whole second is older than the half second after it', (t) => {
  const s = FingerprintStore.open(tempDb(t));
  t.after(() => s.close());
  const m = material();
  // "…T10:00:00Z" sorts after "…T10:00:00.5Z" as text, though it is half a second older.
  s.observe(m, '10.3.0.1', true, T0);
  s.observe(m, '10.3.0.2', true, T0 + 500);
  let last = s.observe(m, '10.3.0.3', true, T0 + 600);
  for (let i = 0; i < MAX_IPS_PER_FINGERPRINT - 2; i++) last = s.observe(m, `10.4.${i >> 8}.${i & 255}`, true, T0 + 1000 + i);
  const stored = s.get(m.fingerprint);
  assert.equal(stored?.ips.length, MAX_IPS_PER_FINGERPRINT);
  assert.ok(!stored?.ips.includes('10.3.0.1'), 'the oldest sighting is the one dropped');
  assert.ok(stored?.ips.includes('10.3.0.2'));
  assert.deepEqual(last.ips, stored?.ips, 'the in-memory batch keeps what the database keeps');
});

test('prune drops the least recently seen by time, not by text', (t) => {
  const path = tempDb(t);
  const s = FingerprintStore.open(path);
  t.after(() => s.close());
  const older = material('-older');
  const newer = material('-newer');
  s.observe(older, '192.0.2.1', true, T0);
  s.observe(newer, '192.0.2.2', true, T0 + 500);
  s.flush();
  assert.equal(s.prune(1), 1);
  assert.equal(s.get(older.fingerprint), null);
  assert.ok(s.get(newer.fingerprint));
});

test('times the Go tool wrote with sub-millisecond digits order to the microsecond', (t) => {
  const path = tempDb(t);
  FingerprintStore.open(path).close();
  const m = material();
  const raw = new Database(path);
  raw.prepare('INSERT INTO fingerprints (fp, status, first_seen, last_seen) VALUES (?, ?, ?, ?)').run(m.fingerprint, 'approved', '2026-03-01T10:00:00Z', '2026-03-01T10:00:09Z');
  const ip = raw.prepare('INSERT INTO fingerprint_ips (fp, ip, last_seen) VALUES (?, ?, ?)');
  // Same millisecond: .123 is 100 µs older than .1231 (as text, "…123Z" sorts after "…1231Z").
  ip.run(m.fingerprint, '10.5.0.1', '2026-03-01T10:00:00.123Z');
  ip.run(m.fingerprint, '10.5.0.2', '2026-03-01T10:00:00.1231Z');
  for (let i = 0; i < MAX_IPS_PER_FINGERPRINT - 2; i++) ip.run(m.fingerprint, `10.6.0.${i}`, encodeTime(T0 + 1000 + i));
  raw.close();
  const s = FingerprintStore.open(path);
  t.after(() => s.close());
  s.observe(m, '10.7.0.1', true, T0 + 5000);
  const ips = s.get(m.fingerprint)?.ips ?? [];
  assert.equal(ips.length, MAX_IPS_PER_FINGERPRINT);
  assert.ok(!ips.includes('10.5.0.1'), 'the older of the two is dropped');
  assert.ok(ips.includes('10.5.0.2') && ips.includes('10.7.0.1'));
});
