import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type EventMap } from '../../../src/observe/events.js';
import { AuditLog, auditLine } from '../../../src/observe/audit.js';

async function dir(t: TestContext): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sks5-audit-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

const conn = (i: number): EventMap['connection.new'] => ({ source_ip: '192.0.2.1', source_port: 1000 + i, protocol: 'ssh', conn_id: `c${i}` });

test('each event is one JSON line with timestamp and event_type, and secret-looking fields are never written', async (t) => {
  const d = await dir(t);
  const bus = new EventBus(() => Date.parse('2026-03-01T00:00:00Z'));
  const log = new AuditLog({ path: join(d, 'audit.log'), maxSizeBytes: 1 << 20, maxFiles: 3, events: bus });
  t.after(() => log.close());
  bus.emit('auth.failure', { username: 'alice', source_ip: '192.0.2.1', method: 'password', protocol: 'ssh', conn_id: 'c1', reason: 'bad password', password: 'hunter2', totp_secret: 'JBSW' } as EventMap['auth.failure']);
  await log.flush();
  const text = await readFile(join(d, 'audit.log'), 'utf8');
  assert.equal(text, '{"timestamp":"2026-03-01T00:00:00.000Z","event_type":"auth.failure","username":"alice","source_ip":"192.0.2.1","method":"password","protocol":"ssh","conn_id":"c1","reason":"bad password","correlation_id":"c1","auth_method":"password"}\n');
  assert.equal(((await stat(join(d, 'audit.log'))).mode & 0o777), 0o600);
});

test('size rotation keeps audit.log plus maxFiles rotated copies, none past the size limit', async (t) => {
  const d = await dir(t);
  const path = join(d, 'audit.log');
  const bus = new EventBus();
  const lineLen = auditLine({ type: 'connection.new', timestamp: new Date(0).toISOString(), data: conn(10) }).length + 1;
  const max = lineLen * 3 + 5;
  const log = new AuditLog({ path, maxSizeBytes: max, maxFiles: 2, events: bus });
  t.after(() => log.close());
  for (let i = 10; i < 40; i += 1) {
    bus.emit('connection.new', conn(i));
    if (i % 7 === 0) await log.flush(); // interleave small and large batches
  }
  await log.flush();
  assert.deepEqual((await readdir(d)).sort(), ['audit.log', 'audit.log.1', 'audit.log.2']);
  const ports: number[] = [];
  for (const f of ['audit.log.2', 'audit.log.1', 'audit.log']) {
    const text = await readFile(join(d, f), 'utf8');
    assert.ok(Buffer.byteLength(text) <= max, `${f} is ${Buffer.byteLength(text)} bytes, limit ${max}`);
    for (const line of text.split('\n').filter(Boolean)) ports.push((JSON.parse(line) as { source_port: number }).source_port);
  }
  assert.equal(ports.at(-1), 1039, 'the newest event is in audit.log');
  assert.deepEqual(ports, [...ports].sort((a, b) => a - b), 'order is preserved across files');
  assert.ok(ports.length >= 7 && ports.length <= 9, `three files of three lines, got ${ports.length}`);
  assert.equal(log.dropped, 0);
});

test('a full queue drops routine events first and counts every drop', async (t) => {
  const d = await dir(t);
  const bus = new EventBus();
  const log = new AuditLog({ path: join(d, 'audit.log'), maxSizeBytes: 1 << 20, maxFiles: 1, events: bus, maxQueue: 10 });
  t.after(() => log.close());
  // All synchronous: the first event goes straight to the writer, then 9 routine ones fit
  // (90% of the queue) and 10 are dropped; security events still have the last slot.
  for (let i = 0; i < 20; i += 1) bus.emit('connection.new', conn(i));
  bus.emit('ban.created', { ip: '192.0.2.9', duration_secs: 60, reason: 'auth failures' });
  bus.emit('ban.created', { ip: '192.0.2.10', duration_secs: 60, reason: 'auth failures' });
  assert.equal(log.dropped, 11);
  await log.flush();
  const lines = (await readFile(join(d, 'audit.log'), 'utf8')).trim().split('\n');
  assert.equal(lines.length, 11);
  assert.match(lines.at(-1) as string, /"event_type":"ban\.created","ip":"192\.0\.2\.9"/);
});

test('an unwritable path drops and counts events instead of throwing', async (t) => {
  const d = await dir(t);
  const bus = new EventBus();
  const errors: unknown[] = [];
  const log = new AuditLog({ path: join(d, 'missing-dir', 'audit.log'), maxSizeBytes: 1000, maxFiles: 1, events: bus, log: { error: (o) => errors.push(o) } });
  t.after(() => log.close());
  bus.emit('connection.new', conn(1));
  bus.emit('connection.new', conn(2));
  await log.flush();
  assert.equal(log.dropped, 2);
  assert.equal(errors.length, 1, 'the failure is reported once, not per event');
});
