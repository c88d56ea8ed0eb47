import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TimeAccessConfig } from '../../../src/config/schema.js';
import { checkTimeAccess, compileTimeAccess, validateTimeAccess } from '../../../src/policy/time-window.js';
import { checkExpiry } from '../../../src/policy/expiry.js';

type Day = TimeAccessConfig['access_days'][number];
const ta = (access_hours: string | undefined, access_days: Day[] = [], timezone?: string): TimeAccessConfig => ({
  access_days,
  ...(access_hours === undefined ? {} : { access_hours }),
  ...(timezone === undefined ? {} : { timezone }),
});
const at = (iso: string): number => Date.parse(iso);

function expect(cfg: TimeAccessConfig, rows: [string, boolean][]): void {
  for (const [iso, allowed] of rows) assert.equal(checkTimeAccess(cfg, at(iso)).allow, allowed, `${iso} should be ${allowed ? 'allowed' : 'denied'}`);
}

test('no time_access, or an empty one, allows any time', () => {
  assert.deepEqual(checkTimeAccess(undefined, at('2026-01-01T03:00:00Z')), { allow: true });
  assert.deepEqual(checkTimeAccess(ta(undefined), at('2026-01-01T03:00:00Z')), { allow: true });
});

test('daytime window: start inclusive, end exclusive (UTC by default)', () => {
  expect(ta('09:00-17:00'), [
    ['2026-06-10T08:59:59.999Z', false], ['2026-06-10T09:00:00Z', true], ['2026-06-10T16:59:59Z', true], ['2026-06-10T17:00:00Z', false],
  ]);
});

test('an end of 24:00 runs to midnight', () => {
  expect(ta('18:00-24:00'), [['2026-06-10T23:59:59Z', true], ['2026-06-11T00:00:00Z', false], ['2026-06-10T17:59:00Z', false]]);
});

test('overnight window crosses midnight (the original never matched these)', () => {
  expect(ta('22:00-06:00'), [
    ['2026-06-10T21:59:00Z', false], ['2026-06-10T22:00:00Z', true], ['2026-06-10T23:59:59Z', true],
    ['2026-06-11T00:00:00Z', true], ['2026-06-11T05:59:59Z', true], ['2026-06-11T06:00:00Z', false], ['2026-06-11T12:00:00Z', false],
  ]);
});

test('in an overnight window the day that counts is the day the window started', () => {
  // 2026-06-12 is a Friday.
  const cfg = ta('22:00-06:00', ['fri']);
  expect(cfg, [
    ['2026-06-12T23:00:00Z', true], // Friday night
    ['2026-06-13T03:00:00Z', true], // Saturday early morning, still Friday's window
    ['2026-06-13T23:00:00Z', false], // Saturday night
    ['2026-06-12T03:00:00Z', false], // Friday early morning belongs to Thursday's window
  ]);
  const v = checkTimeAccess(cfg, at('2026-06-12T03:00:00Z'));
  assert.ok(!v.allow);
  assert.match(v.reason, /window started thu/);
});

test('access_days alone restricts whole days', () => {
  expect(ta(undefined, ['sat', 'sun']), [['2026-06-13T00:00:00Z', true], ['2026-06-14T23:59:59Z', true], ['2026-06-15T00:00:00Z', false]]);
});

test('timezone: hours and days are local wall-clock time', () => {
  const paris = ta('09:00-17:00', [], 'Europe/Paris');
  // Winter is UTC+1, summer UTC+2.
  expect(paris, [['2026-01-15T07:59:00Z', false], ['2026-01-15T08:00:00Z', true], ['2026-01-15T15:59:00Z', true], ['2026-01-15T16:00:00Z', false]]);
  expect(paris, [['2026-07-15T06:59:00Z', false], ['2026-07-15T07:00:00Z', true], ['2026-07-15T14:59:00Z', true], ['2026-07-15T15:00:00Z', false]]);
  // Sunday 2026-01-04 20:00 UTC is already Monday 09:00 in Auckland (UTC+13).
  expect(ta(undefined, ['mon'], 'Pacific/Auckland'), [['2026-01-04T20:00:00Z', true], ['2026-01-04T10:00:00Z', false]]);
});

test('DST spring forward (Europe/Paris, 2026-03-29): the missing hour is skipped, not stretched', () => {
  const cfg = ta('01:30-03:30', [], 'Europe/Paris');
  expect(cfg, [
    ['2026-03-29T00:29:00Z', false], // 01:29 CET
    ['2026-03-29T00:30:00Z', true], // 01:30 CET
    ['2026-03-29T00:59:59Z', true], // 01:59:59 CET, next second is 03:00 CEST
    ['2026-03-29T01:00:00Z', true], // 03:00 CEST
    ['2026-03-29T01:29:59Z', true], // 03:29:59 CEST
    ['2026-03-29T01:30:00Z', false], // 03:30 CEST: two wall-clock hours took one real hour
  ]);
  expect(ta('02:00-03:00', [], 'Europe/Paris'), [['2026-03-29T00:59:59Z', false], ['2026-03-29T01:00:00Z', false]]);
});

test('DST fall back (Europe/Paris, 2026-10-25): the repeated hour is inside the window twice', () => {
  expect(ta('02:00-03:00', ['sun'], 'Europe/Paris'), [
    ['2026-10-24T23:59:59Z', false], // 01:59:59 CEST
    ['2026-10-25T00:00:00Z', true], // 02:00 CEST
    ['2026-10-25T00:59:59Z', true], // 02:59:59 CEST
    ['2026-10-25T01:00:00Z', true], // 02:00 CET, again
    ['2026-10-25T01:59:59Z', true],
    ['2026-10-25T02:00:00Z', false], // 03:00 CET
  ]);
});

test('month and year ends: an overnight window keeps the day it started on', () => {
  // 2026-01-31 is a Saturday, 2026-12-31 a Thursday.
  expect(ta('22:00-02:00', ['sat']), [['2026-01-31T23:30:00Z', true], ['2026-02-01T01:59:00Z', true], ['2026-02-01T02:00:00Z', false], ['2026-02-01T23:00:00Z', false]]);
  expect(ta('23:00-01:00', ['thu']), [['2026-12-31T23:00:00Z', true], ['2027-01-01T00:30:00Z', true], ['2027-01-01T23:30:00Z', false]]);
  expect(ta('23:00-01:00', ['sat'], 'America/New_York'), [['2028-03-01T04:30:00Z', false], ['2028-02-27T04:30:00Z', true]]);
});

test('denial reasons say what was expected and what time it is locally', () => {
  const v = checkTimeAccess(ta('09:00-17:00', [], 'Europe/Paris'), at('2026-01-17T17:30:00Z'));
  assert.deepEqual(v, { allow: false, reason: 'outside access_hours 09:00-17:00 (now sat 18:30 Europe/Paris)' });
  const d = checkTimeAccess(ta(undefined, ['mon', 'tue']), at('2026-01-17T10:00:00Z'));
  assert.deepEqual(d, { allow: false, reason: 'not an access day: allowed mon,tue (now sat 10:00 UTC)' });
});

test('validateTimeAccess lists every problem', () => {
  assert.deepEqual(validateTimeAccess(undefined), []);
  assert.deepEqual(validateTimeAccess(ta('22:00-06:00', ['mon'], 'Europe/Paris')), []);
  const cases: [TimeAccessConfig, RegExp][] = [
    [ta('09:00-17:00', [], 'Mars/Olympus'), /timezone "Mars\/Olympus" is not a known IANA time zone/],
    [ta('24:00-05:00'), /start must be 00:00\.\.23:59/],
    [ta('09:60-10:00'), /minutes must be 00\.\.59/],
    [ta('10:00-24:30'), /end must be 00:00\.\.24:00/],
    [ta('10:00-10:00'), /is empty/],
    [ta('9:00-10:00'), /must look like HH:MM-HH:MM/],
    [ta(undefined, ['funday' as Day]), /access_days: "funday"/],
  ];
  for (const [cfg, message] of cases) assert.match(validateTimeAccess(cfg).join('\n'), message);
  assert.equal(validateTimeAccess(ta('25:00-26:00', [], 'Nowhere/Land')).length, 2);
});

test('a malformed time_access fails closed at runtime', () => {
  const v = checkTimeAccess(ta('09:00-17:00', [], 'Mars/Olympus'), at('2026-01-15T10:00:00Z'));
  assert.ok(!v.allow);
  assert.match(v.reason, /time_access misconfigured/);
  assert.equal(compileTimeAccess(ta('10:00-10:00')).check(at('2026-01-15T10:00:00Z')).allow, false);
});

test('checkExpiry: expires at the instant, never when unset, refuses a broken date', () => {
  const exp = at('2026-06-30T00:00:00Z');
  assert.deepEqual(checkExpiry(undefined, exp), { allow: true });
  assert.deepEqual(checkExpiry(exp, exp - 1), { allow: true });
  assert.deepEqual(checkExpiry(exp, exp), { allow: false, reason: 'account expired at 2026-06-30T00:00:00.000Z' });
  assert.equal(checkExpiry(Number.NaN, exp).allow, false);
});
