import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { EventBus, type Sks5Event } from '../../../src/observe/events.js';
import { SessionRegistry } from '../../../src/pipeline/sessions.js';
import { watchMaintenanceWindows } from '../../../src/server/maintenance-watch.js';
import { configSchema } from '../../../src/config/schema.js';
import { buildWorld } from '../../../src/pipeline/world.js';

test('entering a window with disconnect_existing warns and closes live connections, once', () => {
  const clock = new FakeClock('2026-11-29T01:59:00Z'); // a Sunday
  const config = configSchema.parse({
    users: [{ username: 'a', password_hash: '$argon2id$x' }],
    maintenance_windows: [{ schedule: 'Sun 02:00-04:00', message: 'back at 4', disconnect_existing: true }],
  });
  const world = buildWorld(config, clock.now());
  const events = new EventBus(() => clock.now());
  const seen: Sks5Event[] = [];
  events.onAny((e) => seen.push(e));
  const sessions = new SessionRegistry();
  const closed: string[] = [];
  const notes: string[] = [];
  sessions.add({ connId: 'c1', door: 'ssh', sourceIp: '1.2.3.4', sourcePort: 1, startedAt: 0, username: 'a', tunnels: new Map(), close: (r) => closed.push(r), notify: (m) => { notes.push(m); return true; } });
  const w = watchMaintenanceWindows({ maintenance: () => world.maintenance, clock, sessions, events, intervalMs: 1e9 });
  assert.deepEqual(closed, []);
  clock.advance(60_000);
  w.check();
  assert.deepEqual(notes, ['back at 4']);
  assert.deepEqual(closed, ['maintenance: back at 4']);
  w.check();
  assert.equal(closed.length, 1, 'acts once per window');
  clock.set('2026-11-29T04:00:00Z');
  w.check();
  assert.deepEqual(seen.filter((e) => e.type === 'maintenance.toggled').map((e) => (e.data as { enabled: boolean }).enabled), [true, false]);
  w.stop();
});
