import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planVersionMerge } from '../../../src/cluster/ban-versions.js';
import {
  changesRow, decodeFingerprintVersion, encodeFingerprintVersion, fingerprintChange, localStamp, materialOfWire, materialToWire,
  MAX_SHARED_MATERIAL, versionOfChange, versionOfEvent, type FingerprintVersion,
} from '../../../src/cluster/fingerprint-versions.js';
import { decodeEnvelope, encodeEnvelope } from '../../../src/cluster/messages.js';
import type { FingerprintMaterial } from '../../../src/gate/fingerprint.js';

const FP = '0123456789abcdef0123456789abcdef';
const v = (at: number, node: string, status: FingerprintVersion['status'] = 'approved', removed = false, label = 'x'): FingerprintVersion =>
  ({ at, node, status, label: removed ? '' : label, removed });

test('a version round-trips through the hash and the channel; a tombstone is marked x: 1', () => {
  for (const x of [v(5, 'a'), v(5, 'a', 'blocked', true), { ...v(7, 'b', 'pending'), firstSeen: 3 }]) {
    assert.deepEqual(decodeFingerprintVersion(encodeFingerprintVersion(x)), x);
    const env = decodeEnvelope(encodeEnvelope('sender', [fingerprintChange(FP, x)]));
    assert.ok(env.ok);
    const c = env.envelope.changes[0]!;
    assert.ok(c.t === 'fp');
    assert.deepEqual(versionOfChange(c), x);
  }
  assert.match(encodeFingerprintVersion(v(5, 'a', 'blocked', true)), /"x":1/);
});

test('malformed, oversized or unknown-status versions decode to undefined', () => {
  for (const bad of ['', '{', 'null', '{"a":1,"n":"a","s":"approved"}', '{"a":1,"n":"a","s":"ok","l":""}', '{"a":-1,"n":"a","s":"approved","l":""}',
    '{"a":1,"n":"","s":"approved","l":""}', '{"a":1,"n":"a","s":"approved","l":"","z":1}', `{"a":1,"n":"a","s":"approved","l":"${'x'.repeat(9000)}"}`]) {
    assert.equal(decodeFingerprintVersion(bad), undefined, bad.slice(0, 40));
  }
});

test('a channel change with a bad fingerprint or status drops the message whole', () => {
  const bad = [{ t: 'fp', f: 'ABC', a: 1, n: 'a', s: 'approved', l: '' }, { t: 'fp', f: FP, a: 1, n: 'a', s: 'trusted', l: '' }];
  for (const c of bad) assert.equal(decodeEnvelope(JSON.stringify({ v: 1, n: 'x', c: [c] })).ok, false);
});

test('a local decision is stamped after whatever this node saw of the fingerprint, even with a clock behind', () => {
  assert.equal(localStamp(undefined, 100), 100);
  assert.equal(localStamp({ at: 50, node: 'z' }, 100), 100);
  assert.equal(localStamp({ at: 100, node: 'z' }, 100), 101, 'the same millisecond: after it');
  assert.equal(localStamp({ at: 5000, node: 'z' }, 100), 5001, 'a node whose clock is ahead does not win over a later decision here');
});

test('events rebuild the ledger: local ones stamped with this node, replicated ones with their origin', () => {
  const row = { status: 'approved', label: 'laptop', firstSeen: 10 };
  const local = versionOfEvent({ fingerprint: FP, at: '2026-01-01T00:00:00.5Z', who: 'cli:alice' }, undefined, 'me', row);
  assert.deepEqual(local, { at: Date.parse('2026-01-01T00:00:00.5Z'), node: 'me', status: 'approved', label: 'laptop', removed: false, firstSeen: 10 });
  const remoteAt = Date.parse('2026-01-01T00:00:01Z');
  const remote = versionOfEvent({ fingerprint: FP, at: '2026-01-01T00:00:01Z', who: 'redis:gate-b' }, local, 'me', row);
  assert.deepEqual(remote && { at: remote.at, node: remote.node }, { at: remoteAt, node: 'gate-b' });
  assert.equal(versionOfEvent({ fingerprint: FP, at: '2026-01-01T00:00:01Z', who: 'redis:gate-b' }, remote, 'me', row), undefined, 'the event of a version already in the ledger says nothing new');
  const gone = versionOfEvent({ fingerprint: FP, at: '2026-01-01T00:00:02Z', who: 'api' }, remote, 'me', null);
  assert.equal(gone?.removed, true, 'no row: a tombstone');
  assert.equal(versionOfEvent({ fingerprint: FP, at: 'garbage', who: 'api' }, undefined, 'me', row), undefined);
  assert.equal(versionOfEvent({ fingerprint: FP, at: '2026-01-01T00:00:02Z', who: 'api' }, undefined, 'me', { ...row, status: 'weird' }), undefined, 'a status outside the three is not shared');
});

test('changesRow: a deletion spares a row first seen after it; an equal decision writes nothing', () => {
  assert.equal(changesRow(v(100, 'a', 'blocked', true), { status: 'approved', label: '', firstSeen: 50 }), true);
  assert.equal(changesRow(v(100, 'a', 'blocked', true), { status: 'blocked', label: '', firstSeen: 150 }), false, 'seen again after the delete');
  assert.equal(changesRow(v(100, 'a', 'blocked', true), null), false);
  assert.equal(changesRow(v(100, 'a', 'blocked', true), { status: 'approved', label: '', firstSeen: null }), true, 'Go zero time counts as before');
  assert.equal(changesRow(v(100, 'a', 'approved', false, 'l'), { status: 'approved', label: 'l', firstSeen: 1 }), false);
  assert.equal(changesRow(v(100, 'a', 'approved', false, 'l'), { status: 'approved', label: 'other', firstSeen: 1 }), true);
  assert.equal(changesRow(v(100, 'a'), null), true, 'unknown here: a row is made');
});

test('merge after an outage: an approval made on one side and a block made later on the other: the later wins on both', () => {
  const approvedOnA = v(1000, 'gate-a', 'approved');
  const blockedOnB = v(2000, 'gate-b', 'blocked');
  const remote = new Map([[FP, { version: approvedOnA, raw: encodeFingerprintVersion(approvedOnA) }]]);
  const plan = planVersionMerge(new Map([[FP, blockedOnB]]), remote, () => true);
  assert.deepEqual(plan.push, [[FP, blockedOnB]]);
  assert.deepEqual(plan.applyLocal, []);
  const back = planVersionMerge(new Map([[FP, approvedOnA]]), new Map([[FP, { version: blockedOnB, raw: '' }]]), () => true);
  assert.deepEqual(back.applyLocal, [[FP, blockedOnB]]);
  assert.deepEqual(back.push, []);
  const other = '11111111111111111111111111111111';
  const both = planVersionMerge(new Map([[other, approvedOnA]]), remote, () => true);
  assert.deepEqual([both.applyLocal, both.push], [[[FP, approvedOnA]], [[other, approvedOnA]]], 'each side gets what it lacks');
});

test('material travels with short keys; a hostile KEXINIT too large to announce travels without it', () => {
  const m: FingerprintMaterial = { fingerprint: FP, hassh: 'h', clientId: 'SSH-2.0-OpenSSH_9.6', raw: 'a;b', kex: 'a', hostKey: 'b', cipherC2S: 'c',
    cipherS2C: 'd', macC2S: 'e', macS2C: 'f', compressC2S: 'none', compressS2C: 'none', firstKexGuess: false };
  const w = materialToWire(m);
  assert.ok(w);
  assert.deepEqual(materialOfWire(FP, w), m);
  assert.equal(materialToWire({ ...m, kex: 'k'.repeat(MAX_SHARED_MATERIAL) }), undefined);
  const env = decodeEnvelope(encodeEnvelope('s', [{ t: 'fp-seen', f: FP, s: 'blocked', fs: 5, m: w }]));
  assert.ok(env.ok);
});
