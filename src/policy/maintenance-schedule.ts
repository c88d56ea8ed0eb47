/**
 * `[[maintenance_windows]] schedule`: "Sun 02:00-04:00" (weekly) or "daily 03:00-04:30", in UTC.
 * A window whose end is before its start runs past midnight ("Sat 23:00-01:00" ends Sunday 01:00);
 * the day named is the day the window starts.
 */
import type { Config } from '../config/schema.js';

export type MaintenanceWindowConfig = Config['maintenance_windows'][number];

export class MaintenanceScheduleError extends Error {
  readonly schedule: string;
  readonly problem: string;
  /** With `path` (e.g. "maintenance_windows[1].schedule") the message names the key, as check-config does. */
  constructor(schedule: string, problem: string, path?: string) {
    super(`${path === undefined ? '' : `${path}: `}invalid maintenance schedule "${schedule.slice(0, 80)}": ${problem}`);
    this.name = 'MaintenanceScheduleError';
    this.schedule = schedule;
    this.problem = problem;
  }
}

export interface MaintenanceSchedule {
  /** 0 = Sunday .. 6 = Saturday, or 'daily'. */
  readonly day: number | 'daily';
  /** Minutes since UTC midnight; start inclusive, end exclusive, end may be 1440 (24:00). */
  readonly start: number;
  readonly end: number;
}

export interface ActiveMaintenance {
  readonly schedule: string;
  readonly message: string;
  readonly disconnect_existing: boolean;
  /** When this occurrence of the window ends, ms since the epoch (for Retry-After and messages). */
  readonly endsAtMs: number;
}

/** Day names accepted, abbreviated or in full (the schema only lets the abbreviations through today). */
const DAY_NAMES: ReadonlyMap<string, number> = new Map([
  ['sun', 0], ['mon', 1], ['tue', 2], ['wed', 3], ['thu', 4], ['fri', 5], ['sat', 6],
  ['sunday', 0], ['monday', 1], ['tuesday', 2], ['wednesday', 3], ['thursday', 4], ['friday', 5], ['saturday', 6],
]);
const SCHEDULE = /^([a-z]+)\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;
const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;
const WEEK_MINUTES = 7 * DAY_MINUTES;

/** Parse one schedule string; throws MaintenanceScheduleError saying what is wrong. */
export function parseMaintenanceSchedule(text: string): MaintenanceSchedule {
  if (text.length > 64) throw new MaintenanceScheduleError(text, 'too long');
  const m = SCHEDULE.exec(text.trim().toLowerCase());
  if (!m) throw new MaintenanceScheduleError(text, 'expected "<day> HH:MM-HH:MM" such as "Sun 02:00-04:00" or "daily 03:00-04:30"');
  const dayText = m[1] ?? '';
  const dayIndex = DAY_NAMES.get(dayText);
  if (dayText !== 'daily' && dayIndex === undefined) throw new MaintenanceScheduleError(text, `"${m[1] ?? ''}" is not "daily" or a day (Mon..Sun)`);
  const [sh, sm, eh, em] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
  if (sm > 59 || em > 59) throw new MaintenanceScheduleError(text, 'minutes must be 00..59');
  if (sh > 23) throw new MaintenanceScheduleError(text, 'the start must be 00:00..23:59');
  if (eh > 24 || (eh === 24 && em !== 0)) throw new MaintenanceScheduleError(text, 'the end must be 00:00..24:00');
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  if (start === end) throw new MaintenanceScheduleError(text, 'the window is empty (start equals end)');
  return { day: dayIndex ?? 'daily', start, end };
}

interface Occurrences {
  /** Minutes since Sunday 00:00 UTC at which the window opens: one entry, or seven for daily. */
  readonly starts: readonly number[];
  readonly length: number;
}

function occurrencesOf(s: MaintenanceSchedule): Occurrences {
  const length = s.end > s.start ? s.end - s.start : s.end + DAY_MINUTES - s.start;
  const days = s.day === 'daily' ? [0, 1, 2, 3, 4, 5, 6] : [s.day];
  return { starts: days.map((d) => d * DAY_MINUTES + s.start), length };
}

/**
 * If an occurrence covers `nowMs`, the ms at which it ends. Works in "minutes since Sunday
 * 00:00 UTC" so daily, weekly and past-midnight windows are the same arithmetic.
 */
function occurrenceEnd(o: Occurrences, nowMs: number): number | undefined {
  const nowMinute = Math.floor(nowMs / MINUTE_MS);
  const minuteOfDay = ((nowMinute % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  const minuteOfWeek = new Date(nowMs).getUTCDay() * DAY_MINUTES + minuteOfDay;
  for (const start of o.starts) {
    // Minutes since this weekly start, wrapping around the week (Sat 23:00 -> Sun 01:00).
    const elapsed = (((minuteOfWeek - start) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
    if (elapsed < o.length) return (nowMinute - elapsed + o.length) * MINUTE_MS;
  }
  return undefined;
}

export interface CompiledMaintenance {
  /** The first configured window covering `nowMs`, or undefined. */
  active(nowMs: number): ActiveMaintenance | undefined;
}

const NO_WINDOWS: CompiledMaintenance = { active: () => undefined };

function parseAt(w: MaintenanceWindowConfig, i: number): MaintenanceSchedule {
  try {
    return parseMaintenanceSchedule(w.schedule);
  } catch (err) {
    if (err instanceof MaintenanceScheduleError) throw new MaintenanceScheduleError(err.schedule, err.problem, `maintenance_windows[${i}].schedule`);
    throw err;
  }
}

/**
 * Parse every schedule once, when the config is loaded (buildWorld); throws MaintenanceScheduleError,
 * naming the key path, on the first bad one.
 */
export function compileMaintenanceWindows(windows: readonly MaintenanceWindowConfig[]): CompiledMaintenance {
  const parsed = windows.map((w, i) => ({ window: w, occurrences: occurrencesOf(parseAt(w, i)) }));
  if (parsed.length === 0) return NO_WINDOWS;
  return {
    active(nowMs: number): ActiveMaintenance | undefined {
      for (const { window, occurrences } of parsed) {
        const endsAtMs = occurrenceEnd(occurrences, nowMs);
        if (endsAtMs !== undefined) {
          return { schedule: window.schedule, message: window.message, disconnect_existing: window.disconnect_existing, endsAtMs };
        }
      }
      return undefined;
    },
  };
}

/** Every bad schedule, with its key path, for check-config; empty when all parse. */
export function validateMaintenanceWindows(windows: readonly MaintenanceWindowConfig[]): string[] {
  const problems: string[] = [];
  windows.forEach((w, i) => {
    try {
      parseAt(w, i);
    } catch (err) {
      problems.push((err as Error).message);
    }
  });
  return problems;
}
