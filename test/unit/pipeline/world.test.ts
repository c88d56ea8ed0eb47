import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/config/config-error.js';
import { parseConfigText } from '../../../src/config/load.js';
import { configSchema } from '../../../src/config/schema.js';
import { buildWorld } from '../../../src/pipeline/world.js';
import { MaintenanceScheduleError } from '../../../src/policy/maintenance-schedule.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
// Both pass the schema's pattern; only parsing the schedule finds what is wrong with them.
const BAD = [
  ['daily 03:00-24:30', 'the end must be 00:00..24:00'],
  ['Sun 02:00-02:00', 'the window is empty (start equals end)'],
] as const;

test('maintenance schedules are compiled with the world: the window in force comes from World.maintenance', () => {
  const config = configSchema.parse({ users: [{ username: 'a', password_hash: HASH }], maintenance_windows: [{ schedule: 'Sun 02:00-04:00', message: 'back at 4' }] });
  const world = buildWorld(config, 0);
  assert.equal(world.maintenance.active(Date.parse('2026-11-29T01:59:59Z')), undefined); // a Sunday
  assert.deepEqual(world.maintenance.active(Date.parse('2026-11-29T02:00:00Z')), {
    schedule: 'Sun 02:00-04:00', message: 'back at 4', disconnect_existing: false, endsAtMs: Date.parse('2026-11-29T04:00:00Z'),
  });
  assert.equal(buildWorld(configSchema.parse({ users: [{ username: 'a', password_hash: HASH }] }), 0).maintenance.active(0), undefined);
});

test('a malformed maintenance schedule is rejected at load with its key path and what is wrong', () => {
  for (const [schedule, problem] of BAD) {
    const message = `maintenance_windows[1].schedule: invalid maintenance schedule "${schedule}": ${problem}`;
    const config = configSchema.parse({
      users: [{ username: 'a', password_hash: HASH }],
      maintenance_windows: [{ schedule: 'daily 01:00-02:00' }, { schedule }],
    });
    assert.throws(() => buildWorld(config, 0), (err: unknown) => err instanceof MaintenanceScheduleError && err.message === message, schedule);
    const toml = `[[users]]\nusername = "a"\npassword_hash = "${HASH}"\n\n[[maintenance_windows]]\nschedule = "daily 01:00-02:00"\n\n[[maintenance_windows]]\nschedule = "${schedule}"\n`;
    assert.throws(() => parseConfigText(toml, 'config.toml'), (err: unknown) => err instanceof ConfigError && err.issues.includes(message), schedule);
  }
});
