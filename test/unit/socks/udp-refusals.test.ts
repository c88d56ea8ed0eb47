// The reporting throttle of refused UDP datagrams: pure, the time passed in by the test, no socket, no sleep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatagramRefusals, summaryText, type RefusalReport } from '../../../src/socks/udp-refusals.js';

const A = { host: '10.0.0.1', port: 53 };
const B = { host: 'blocked.example', port: 53 };

function refusals(maxKeys = 16) {
  return new DatagramRefusals({ intervalMs: 5000, maxKeys });
}
const short = (rs: RefusalReport[]): string[] => rs.map((r) => `${r.summary ? 'summary' : 'first'} ${r.target.host}:${r.target.port} ${r.code} x${r.datagrams}${r.reputation ? ' +rep' : ''}`);
const total = (rs: RefusalReport[]): number => rs.reduce((n, r) => n + r.datagrams, 0);

test('a spray of 1000 datagrams to one denied target in under the interval: one report, then one summary at the end', () => {
  const r = refusals();
  const out: RefusalReport[] = [];
  for (let i = 0; i < 1000; i++) out.push(...r.refused(A, 'SKS5_DENY_ACL', i, true));
  assert.deepEqual(short(out), ['first 10.0.0.1:53 SKS5_DENY_ACL x1 +rep']);
  assert.deepEqual(r.due(4999), [], 'not due one millisecond before the interval');
  out.push(...r.drain());
  assert.deepEqual(short(out), ['first 10.0.0.1:53 SKS5_DENY_ACL x1 +rep', 'summary 10.0.0.1:53 SKS5_DENY_ACL x999']);
  assert.equal(total(out), 1000, 'every datagram is in some report');
  assert.deepEqual(r.drain(), [], 'drained once');
});

test('a steady stream gets a summary at most every interval, from the timer or from the next refusal', () => {
  const r = refusals();
  const out: RefusalReport[] = [];
  for (let t = 0; t <= 12_000; t += 100) {
    out.push(...r.refused(A, 'SKS5_DENY_ACL', t, true));
    if (t % 1000 === 0) out.push(...r.due(t));
  }
  out.push(...r.drain());
  // first at 0; summaries by the refusals at 5000 (100..5000) and 10000; the rest at the end (10100..12000).
  assert.deepEqual(out.map((x) => x.datagrams), [1, 50, 50, 20]);
  assert.equal(total(out), 121);
  assert.deepEqual(out.map((x) => x.reputation), [true, false, false, false], 'reputation once for the target');
});

test('the timer sends a summary once the interval has passed since the last report, not before', () => {
  const r = refusals();
  r.refused(A, 'SKS5_DENY_ACL', 0, true);
  r.refused(A, 'SKS5_DENY_ACL', 1, true);
  r.refused(A, 'SKS5_DENY_ACL', 2, true);
  assert.deepEqual(r.due(4999), []);
  assert.deepEqual(short(r.due(5000)), ['summary 10.0.0.1:53 SKS5_DENY_ACL x2']);
  assert.deepEqual(r.refused(A, 'SKS5_DENY_ACL', 5001, true), [], 'counted: the last report was 1 ms ago');
  assert.deepEqual(r.due(9999), []);
  assert.deepEqual(short(r.due(10_000)), ['summary 10.0.0.1:53 SKS5_DENY_ACL x1']);
});

test('each (target, code) is its own report; reputation counts each target once, only for reputable codes', () => {
  const r = refusals();
  const out = [
    ...r.refused(A, 'SKS5_ERR_DNS', 0, false),
    ...r.refused(A, 'SKS5_DENY_ACL', 1, true),
    ...r.refused(B, 'SKS5_DENY_SSRF', 2, true),
    ...r.refused(A, 'SKS5_DENY_ACL', 3, true),
    ...r.refused(B, 'SKS5_DENY_SSRF', 4, true),
  ];
  assert.deepEqual(short(out), [
    'first 10.0.0.1:53 SKS5_ERR_DNS x1',
    'first 10.0.0.1:53 SKS5_DENY_ACL x1 +rep',
    'first blocked.example:53 SKS5_DENY_SSRF x1 +rep',
  ]);
  assert.deepEqual(short(r.drain()), ['summary 10.0.0.1:53 SKS5_DENY_ACL x1', 'summary blocked.example:53 SKS5_DENY_SSRF x1']);
});

test('after a quiet interval a refusal is a first report again (with its reason), but reputation is not counted again', () => {
  const r = refusals();
  assert.deepEqual(short(r.refused(A, 'SKS5_DENY_ACL', 0, true)), ['first 10.0.0.1:53 SKS5_DENY_ACL x1 +rep']);
  assert.deepEqual(r.due(5000), [], 'nothing counted: nothing to summarise, the pair is forgotten');
  assert.deepEqual(short(r.refused(A, 'SKS5_DENY_ACL', 60_000, true)), ['first 10.0.0.1:53 SKS5_DENY_ACL x1']);
  // Without the timer too: exactly one interval after the last report, with nothing counted since.
  assert.deepEqual(short(r.refused(A, 'SKS5_DENY_ACL', 65_000, true)), ['first 10.0.0.1:53 SKS5_DENY_ACL x1']);
  assert.deepEqual(r.refused(A, 'SKS5_DENY_ACL', 69_999, true), []);
});

test('maxKeys bounds the memory: the oldest pair is summarised and forgotten, no count is lost', () => {
  const r = refusals(2);
  const out: RefusalReport[] = [];
  for (const port of [1, 1, 1, 2, 2, 3]) out.push(...r.refused({ host: '10.0.0.9', port }, 'SKS5_DENY_ACL', 0, true));
  out.push(...r.drain());
  assert.deepEqual(short(out), [
    'first 10.0.0.9:1 SKS5_DENY_ACL x1 +rep',
    'first 10.0.0.9:2 SKS5_DENY_ACL x1 +rep',
    'summary 10.0.0.9:1 SKS5_DENY_ACL x2', // pushed out by port 3
    'first 10.0.0.9:3 SKS5_DENY_ACL x1 +rep',
    'summary 10.0.0.9:2 SKS5_DENY_ACL x1',
  ]);
  assert.equal(total(out), 6);
});

test('the summary says how many datagrams, where, and the code; IPv6 in brackets', () => {
  assert.equal(summaryText({ target: A, code: 'SKS5_DENY_ACL', datagrams: 49, summary: true, reputation: false }), '49 datagrams to 10.0.0.1:53 refused (SKS5_DENY_ACL)');
  assert.equal(summaryText({ target: { host: '2001:db8::1', port: 53 }, code: 'SKS5_ERR_DNS', datagrams: 1, summary: true, reputation: false }), '1 datagram to [2001:db8::1]:53 refused (SKS5_ERR_DNS)');
});
