import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Connection } from 'ssh2';
import { rejectChannelOpen } from '../../../src/ssh/open-failure.js';

interface Sent { recipient: number; reason: number; desc: string }

function fakeConn(): { conn: Connection; sent: Sent[]; reject: () => void } {
  const sent: Sent[] = [];
  class Proto { channelOpenFail(recipient: number, reason: number, desc: string): void { sent.push({ recipient, reason, desc }); } }
  const proto = new Proto();
  const conn = { _protocol: proto } as unknown as Connection;
  // What ssh2's reject() does: its own reason, empty description.
  return { conn, sent, reject: () => proto.channelOpenFail(7, 2, '') };
}

test('our reason code and description replace ssh2 defaults, for that one call only', () => {
  const { conn, sent, reject } = fakeConn();
  assert.equal(rejectChannelOpen(conn, reject, 1, 'not allowed'), true);
  assert.deepEqual(sent, [{ recipient: 7, reason: 1, desc: 'not allowed' }]);
  reject();
  assert.deepEqual(sent[1], { recipient: 7, reason: 2, desc: '' }, 'restored afterwards');
});

test('control characters are stripped from the description', () => {
  const { conn, sent, reject } = fakeConn();
  rejectChannelOpen(conn, reject, 1, 'bad\r\n\x1b[31mred');
  assert.equal(sent[0]?.desc, 'bad   [31mred');
});

test('substitute = false (fast_paths.ssh_open_failure_reason = false): ssh2 reject() as published', () => {
  const { conn, sent, reject } = fakeConn();
  assert.equal(rejectChannelOpen(conn, reject, 1, 'not allowed', false), false);
  assert.deepEqual(sent, [{ recipient: 7, reason: 2, desc: '' }]);
});

test('without the ssh2 internals, falls back to the plain reject', () => {
  let called = 0;
  assert.equal(rejectChannelOpen({} as Connection, () => { called++; }, 1, 'x'), false);
  assert.equal(called, 1);
});

test('ssh2 still has Protocol.prototype.channelOpenFail(recipient, reason, desc)', () => {
  const Protocol = createRequire(import.meta.url)('ssh2/lib/protocol/Protocol.js') as { prototype: { channelOpenFail?: (...a: unknown[]) => void } };
  assert.equal(typeof Protocol.prototype.channelOpenFail, 'function');
  assert.equal(Protocol.prototype.channelOpenFail?.length, 3);
});
