import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBanVersion, encodeBanVersion, isNewer, planBanMerge, type BanVersion } from '../../../src/cluster/ban-versions.js';

const v = (at: number, node: string, removed = false, expiresAt = 10_000): BanVersion => ({ at, node, expiresAt, reason: removed ? '' : 'r', removed });
const remote = (entries: Array<[string, BanVersion | string]>) =>
  new Map(entries.map(([ip, x]) => [ip, typeof x === 'string' ? { version: decodeBanVersion(x), raw: x } : { version: x, raw: encodeBanVersion(x) }]));

test('a version round-trips; tombstones carry no reason', () => {
  assert.deepEqual(decodeBanVersion(encodeBanVersion(v(5, 'a'))), v(5, 'a'));
  assert.deepEqual(decodeBanVersion(encodeBanVersion(v(5, 'a', true))), v(5, 'a', true));
  assert.equal(encodeBanVersion(v(5, 'a', true)).includes('"r"'), false);
});

test('malformed, oversized or extra-field versions decode to undefined', () => {
  for (const bad of ['', 'null', '{', '{"a":1}', '{"a":-1,"n":"a","e":1}', '{"a":1,"n":"","e":1}', '{"a":1,"n":"a","e":1,"x":2}', '{"a":1,"n":"a","e":1,"z":0}', `{"a":1,"n":"a","e":1,"r":"${'x'.repeat(3000)}"}`]) {
    assert.equal(decodeBanVersion(bad), undefined, bad.slice(0, 40));
  }
});

test('later wins; the same millisecond is settled by node name the same way on every node', () => {
  assert.equal(isNewer(v(2, 'a'), v(1, 'z')), true);
  assert.equal(isNewer(v(1, 'z'), v(2, 'a')), false);
  assert.equal(isNewer(v(1, 'b'), v(1, 'a')), true);
  assert.equal(isNewer(v(1, 'a'), v(1, 'b')), false);
  assert.equal(isNewer(v(1, 'a'), v(1, 'a')), false, 'equal is not newer: no ping-pong');
  assert.equal(isNewer(v(1, 'a'), undefined), true);
});

test('merge after an outage: each side keeps what is newer, a tombstone beats an older ban, expired entries are dropped', () => {
  const local = new Map<string, BanVersion>([
    ['10.0.0.1', v(5, 'a')], // made here while apart, unknown remotely
    ['10.0.0.2', v(3, 'a')], // lifted remotely later
    ['10.0.0.3', v(7, 'a', true)], // lifted here after the remote ban
    ['10.0.0.4', v(1, 'a', false, 50)], // expired here
  ]);
  const plan = planBanMerge(local, remote([
    ['10.0.0.2', v(4, 'b', true)],
    ['10.0.0.3', v(6, 'b')],
    ['10.0.0.5', v(2, 'b')],
    ['10.0.0.6', v(2, 'b', false, 50)],
    ['10.0.0.7', 'garbage'],
  ]), 100);
  assert.deepEqual(plan.applyLocal.map(([ip, x]) => [ip, x.removed]), [['10.0.0.2', true], ['10.0.0.5', false]]);
  assert.deepEqual(plan.push.map(([ip, x]) => [ip, x.removed]), [['10.0.0.1', false], ['10.0.0.3', true]]);
  assert.deepEqual(plan.dropRemote.map(([ip]) => ip), ['10.0.0.6', '10.0.0.7']);
});

test('merge of identical copies does nothing', () => {
  const same = v(5, 'a');
  const plan = planBanMerge(new Map([['10.0.0.1', same]]), remote([['10.0.0.1', same]]), 100);
  assert.deepEqual(plan, { applyLocal: [], push: [], dropRemote: [] });
});
