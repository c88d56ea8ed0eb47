/**
 * `time_access`: when a user may open connections. Hours are wall-clock times in `timezone`
 * (UTC when absent), start inclusive, end exclusive. A window whose end is before its start runs
 * overnight (22:00-06:00), and the day that counts for `access_days` is the day it started, so
 * "fri 22:00-06:00" admits Saturday 03:00. DST comes from the platform's tz data via Intl.
 */
import type { TimeAccessConfig } from '../config/schema.js';

export type TimeAccessVerdict = { allow: true } | { allow: false; reason: string };

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const HOURS = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

export interface CompiledTimeAccess {
  readonly check: (nowMs: number) => TimeAccessVerdict;
  readonly problems: readonly string[];
}

/** Minutes since local midnight for `HH:MM-HH:MM`, or a problem description. */
export function parseHourRange(text: string): { start: number; end: number } | string {
  const m = HOURS.exec(text);
  if (!m) return `access_hours "${text}" must look like HH:MM-HH:MM`;
  const [sh, sm, eh, em] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (sm > 59 || em > 59) return `access_hours "${text}": minutes must be 00..59`;
  if (sh > 23) return `access_hours "${text}": the start must be 00:00..23:59`;
  if (eh > 24 || (eh === 24 && em !== 0)) return `access_hours "${text}": the end must be 00:00..24:00`;
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  if (start === end) return `access_hours "${text}" is empty (start equals end); use 00:00-24:00 for the whole day`;
  return { start, end };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone for the process: building one costs far more than using it. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local weekday (0 = Sunday) and minutes since local midnight at `nowMs` in `timeZone`. */
function localTime(formatter: Intl.DateTimeFormat, nowMs: number): { day: number; minute: number } {
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of formatter.formatToParts(nowMs)) {
    if (part.type === 'weekday') day = WEEKDAYS.indexOf(part.value.toLowerCase() as Weekday);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function describeNow(local: { day: number; minute: number }, zone: string): string {
  return `now ${WEEKDAYS[local.day] ?? '?'} ${pad(Math.floor(local.minute / 60))}:${pad(local.minute % 60)} ${zone}`;
}

/** Every problem with a time_access block, for check-config; empty when it is usable. */
export function validateTimeAccess(ta: TimeAccessConfig | undefined): string[] {
  if (ta === undefined) return [];
  const problems: string[] = [];
  if (ta.timezone !== undefined) {
    try {
      formatterFor(ta.timezone);
    } catch {
      problems.push(`timezone "${ta.timezone}" is not a known IANA time zone (e.g. "Europe/Paris", "UTC")`);
    }
  }
  if (ta.access_hours !== undefined) {
    const hours = parseHourRange(ta.access_hours);
    if (typeof hours === 'string') problems.push(hours);
  }
  for (const d of ta.access_days) {
    if (!(WEEKDAYS as readonly string[]).includes(d.toLowerCase())) problems.push(`access_days: "${d}" is not one of ${WEEKDAYS.join(', ')}`);
  }
  return problems;
}

/** Build the per-connection check once per config; a malformed block fails closed with its problems. */
export function compileTimeAccess(ta: TimeAccessConfig): CompiledTimeAccess {
  const problems = validateTimeAccess(ta);
  if (problems.length > 0) {
    const verdict: TimeAccessVerdict = { allow: false, reason: `time_access misconfigured: ${problems.join('; ')}` };
    return { check: () => verdict, problems };
  }
  const zone = ta.timezone ?? 'UTC';
  const formatter = formatterFor(zone);
  const hours = ta.access_hours === undefined ? undefined : (parseHourRange(ta.access_hours) as { start: number; end: number });
  const days = new Set(ta.access_days.map((d) => WEEKDAYS.indexOf(d.toLowerCase() as Weekday)));
  const dayList = ta.access_days.join(',');

  function check(nowMs: number): TimeAccessVerdict {
    if (hours === undefined && days.size === 0) return { allow: true };
    const local = localTime(formatter, nowMs);
    let windowDay = local.day;
    if (hours !== undefined) {
      const overnight = hours.end < hours.start;
      const inside = overnight
        ? local.minute >= hours.start || local.minute < hours.end
        : local.minute >= hours.start && local.minute < hours.end;
      if (!inside) return { allow: false, reason: `outside access_hours ${ta.access_hours ?? ''} (${describeNow(local, zone)})` };
      // After midnight in an overnight window, the window (and the day that counts) began yesterday.
      if (overnight && local.minute < hours.end) windowDay = (local.day + 6) % 7;
    }
    if (days.size > 0 && !days.has(windowDay)) {
      const started = windowDay === local.day ? '' : ` (window started ${WEEKDAYS[windowDay] ?? '?'})`;
      return { allow: false, reason: `not an access day: allowed ${dayList}${started} (${describeNow(local, zone)})` };
    }
    return { allow: true };
  }
  return { check, problems };
}

/**
 * Whether `time_access` admits a connection at `nowMs`, compiling it for this one call. Connections
 * use the window compiled at load (`EffectiveUser.timeWindow`); this is for one-off checks and tests.
 */
export function checkTimeAccess(ta: TimeAccessConfig | undefined, nowMs: number): TimeAccessVerdict {
  return ta === undefined ? { allow: true } : compileTimeAccess(ta).check(nowMs);
}
