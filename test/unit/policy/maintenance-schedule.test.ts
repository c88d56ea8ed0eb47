import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileMaintenanceWindows, MaintenanceScheduleError, parseMaintenanceSchedule, validateMaintenanceWindows, type MaintenanceWindowConfig,
} from '../../../src/policy/maintenance-schedule.js';

const win = (schedule: string, message = 'maintenance', disconnect_existing = false): MaintenanceWindowConfig => ({ schedule, message, disconnect_existing });
const at = (iso: string): number => Date.parse(iso);

function expectActive(windows: MaintenanceWindowConfig[], rows: [string, string | undefined][]): void {
  for (const [iso, endsAt] of rows) {
    const active = compileMaintenanceWindows(windows).active(at(iso));
    assert.equal(active === undefined ? undefined : new Date(active.endsAtMs).toISOString(), endsAt === undefined ? undefined : new Date(endsAt).toISOString(), iso);
  }
}

test('parses weekly and daily schedules, case-insensitively', () => {
  assert.deepEqual(parseMaintenanceSchedule('Sun 02:00-04:00'), { day: 0, start: 120, end: 240 });
  assert.deepEqual(parseMaintenanceSchedule('daily 03:00-04:30'), { day: 'daily', start: 180, end: 270 });
  assert.deepEqual(parseMaintenanceSchedule('DAILY 03:00-04:30'), { day: 'daily', start: 180, end: 270 });
  assert.deepEqual(parseMaintenanceSchedule('sAt 23:00-01:00'), { day: 6, start: 1380, end: 60 });
  assert.deepEqual(parseMaintenanceSchedule('Wednesday 12:00-24:00'), { day: 3, start: 720, end: 1440 });
  assert.deepEqual(parseMaintenanceSchedule('  mon   00:00-00:01 '), { day: 1, start: 0, end: 1 });
});

test('rejects malformed schedules with a precise message', () => {
  const cases: [string, RegExp][] = [
    ['', /expected "<day> HH:MM-HH:MM"/],
    ['Sun 2:00-04:00', /expected "<day> HH:MM-HH:MM"/],
    ['Sun02:00-04:00', /expected/],
    ['Funday 02:00-04:00', /"funday" is not "daily" or a day/],
    ['weekly 02:00-04:00', /not "daily" or a day/],
    ['Sun 24:00-01:00', /start must be 00:00\.\.23:59/],
    ['Sun 02:00-24:01', /end must be 00:00\.\.24:00/],
    ['Sun 02:60-03:00', /minutes must be 00\.\.59/],
    ['Sun 02:00-02:00', /empty/],
    [`Sun 02:00-04:00${' '.repeat(60)}x`, /too long/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseMaintenanceSchedule(text), (err: unknown) => {
      assert.ok(err instanceof MaintenanceScheduleError, text);
      assert.equal(err.schedule, text);
      assert.match(err.message, message, text);
      return true;
    });
  }
  assert.throws(() => compileMaintenanceWindows([win('daily 01:00-02:00'), win('Sun 9-10')]), (err: unknown) => {
    assert.ok(err instanceof MaintenanceScheduleError);
    assert.match(err.message, /^maintenance_windows\[1\]\.schedule: invalid maintenance schedule "Sun 9-10": expected/);
    return true;
  });
  assert.deepEqual(validateMaintenanceWindows([win('daily 01:00-02:00')]), []);
  assert.deepEqual(validateMaintenanceWindows([win('daily 01:00-02:00'), win('Sun 02:00-02:00')]), [
    'maintenance_windows[1].schedule: invalid maintenance schedule "Sun 02:00-02:00": the window is empty (start equals end)',
  ]);
});

test('weekly window: active from start (inclusive) to end (exclusive) on its day only', () => {
  // 2026-06-14 is a Sunday.
  expectActive([win('Sun 02:00-04:00')], [
    ['2026-06-14T01:59:59Z', undefined],
    ['2026-06-14T02:00:00Z', '2026-06-14T04:00:00Z'],
    ['2026-06-14T03:59:59.999Z', '2026-06-14T04:00:00Z'],
    ['2026-06-14T04:00:00Z', undefined],
    ['2026-06-15T02:30:00Z', undefined],
    ['2026-06-21T02:30:00Z', '2026-06-21T04:00:00Z'],
  ]);
});

test('daily window is active every day', () => {
  const days = ['2026-06-08', '2026-06-09', '2026-06-10', '2026-06-11', '2026-06-12', '2026-06-13', '2026-06-14'];
  for (const d of days) {
    expectActive([win('daily 03:00-04:30')], [
      [`${d}T02:59:59Z`, undefined], [`${d}T03:00:00Z`, `${d}T04:30:00Z`], [`${d}T04:29:59Z`, `${d}T04:30:00Z`], [`${d}T04:30:00Z`, undefined],
    ]);
  }
});

test('overnight windows run past midnight, including Saturday into Sunday and across month ends', () => {
  // 2026-06-13 is a Saturday.
  expectActive([win('Sat 23:00-01:00')], [
    ['2026-06-13T22:59:59Z', undefined],
    ['2026-06-13T23:00:00Z', '2026-06-14T01:00:00Z'],
    ['2026-06-14T00:59:59Z', '2026-06-14T01:00:00Z'],
    ['2026-06-14T01:00:00Z', undefined],
    ['2026-06-14T23:30:00Z', undefined],
    ['2026-06-12T23:30:00Z', undefined],
  ]);
  expectActive([win('daily 23:30-00:30')], [
    ['2026-01-31T23:45:00Z', '2026-02-01T00:30:00Z'],
    ['2026-02-01T00:15:00Z', '2026-02-01T00:30:00Z'],
    ['2026-12-31T23:30:00Z', '2027-01-01T00:30:00Z'],
    ['2026-02-01T00:30:00Z', undefined],
  ]);
  expectActive([win('Sun 22:00-24:00')], [['2026-06-14T23:59:59Z', '2026-06-15T00:00:00Z'], ['2026-06-15T00:00:00Z', undefined]]);
});

test('returns the first active window with its message and disconnect flag', () => {
  const windows = [win('Mon 01:00-02:00', 'monday job'), win('daily 00:00-12:00', 'morning freeze', true), win('daily 00:00-24:00', 'never reached')];
  assert.deepEqual(compileMaintenanceWindows(windows).active(at('2026-06-15T01:30:00Z')), {
    schedule: 'Mon 01:00-02:00', message: 'monday job', disconnect_existing: false, endsAtMs: at('2026-06-15T02:00:00Z'),
  });
  assert.deepEqual(compileMaintenanceWindows(windows).active(at('2026-06-16T05:00:00Z')), {
    schedule: 'daily 00:00-12:00', message: 'morning freeze', disconnect_existing: true, endsAtMs: at('2026-06-16T12:00:00Z'),
  });
  assert.equal(compileMaintenanceWindows([]).active(at('2026-06-16T05:00:00Z')), undefined);
});
