import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEnvelope, encodeEnvelope, MAX_SHARED_SESSIONS } from '../../../src/cluster/messages.js';
import { sessionsSignature, summarizeSessions } from '../../../src/cluster/session-summary.js';
import type { ConnectionRecord, TunnelRecord } from '../../../src/pipeline/sessions.js';

function tunnel(sessionId: string, startedAt: number): TunnelRecord {
  return { sessionId, username: 'alice', targetHost: 'example.com', targetPort: 443, resolvedIp: '192.0.2.1', startedAt, bytesUp: 5, bytesDown: 7, close: () => undefined };
}

function conn(connId: string, username: string | undefined, tunnels: TunnelRecord[]): ConnectionRecord {
  return {
    connId, door: 'ssh', sourceIp: '127.0.0.9', sourcePort: 40000, startedAt: 0, ...(username !== undefined ? { username } : {}), authMethod: 'password',
    keyFingerprint: 'SHA256:secret-key', clientFingerprint: 'fp-secret', tunnels: new Map(tunnels.map((t) => [t.sessionId, t])), close: () => undefined,
  };
}

test('the summary lists tunnels oldest first, counts authenticated connections, and carries no credential', () => {
  const shared = summarizeSessions([conn('c1', 'alice', [tunnel('s2', 20), tunnel('s1', 10)]), conn('c2', undefined, []), conn('c3', 'alice', [])]);
  assert.deepEqual(shared.sessions.map((s) => s.i), ['s1', 's2']);
  assert.deepEqual(shared.perUser, { alice: 2 });
  assert.deepEqual(shared.sessions[0], { i: 's1', u: 'alice', h: 'example.com', p: 443, ip: '127.0.0.9', st: 10, bu: 5, bd: 7, pr: 'ssh' });
  assert.doesNotMatch(JSON.stringify(shared), /secret|password|192\.0\.2\.1/);
});

test('the summary is bounded, decodes as a state change, and its signature ignores byte counters', () => {
  const many = Array.from({ length: MAX_SHARED_SESSIONS + 5 }, (_, i) => tunnel(`s${i}`, i));
  const shared = summarizeSessions([conn('c1', 'alice', many)]);
  assert.equal(shared.sessions.length, MAX_SHARED_SESSIONS);
  const d = decodeEnvelope(encodeEnvelope('a', [{ t: 'sess', s: shared.sessions, cu: shared.perUser }]));
  assert.ok(d.ok, 'a full list fits one message');
  const over = JSON.stringify({ v: 1, n: 'a', c: [{ t: 'sess', s: [...shared.sessions, shared.sessions[0]], cu: {} }] });
  assert.equal(decodeEnvelope(over).ok, false, 'a longer list is refused whole');
  const t = tunnel('s1', 1);
  const before = sessionsSignature(summarizeSessions([conn('c1', 'alice', [t])]));
  t.bytesUp += 100;
  assert.equal(sessionsSignature(summarizeSessions([conn('c1', 'alice', [t])])), before);
});
