/**
 * The slice of the config the shell reads, computed once per config load (a reload builds new
 * settings; open shells keep the snapshot they started with).
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { Config, MotdConfig } from '../config/schema.js';

/** A MOTD file bigger than this is refused at load, so a wrong path cannot flood every login. */
export const MOTD_FILE_MAX_BYTES = 16 * 1024;

export interface ShellSettings {
  readonly hostname: string;
  /** `[shell].prompt`: the suffix after `user@host:cwd` ("$ "), or a full template with {user} {hostname} {cwd}. */
  readonly prompt: string;
  /** `[shell].colors`, for reference: it is already the default of `EffectiveUser.colors`, which the shell reads. */
  readonly colors: boolean;
  readonly autocomplete: boolean;
  /** Global `[motd]`; a user/group `motd` replaces it whole. */
  readonly motd: MotdConfig;
  /** Template read from `server.motd_path`, used when no `[motd].template` is set at any level. */
  readonly motdFileTemplate: string | undefined;
  /** `limits.idle_timeout` in seconds; 0 = never. */
  readonly idleTimeoutSecs: number;
  readonly historyMax: number;
  readonly bookmarksMax: number;
}

export function shellSettingsFromConfig(config: Config, motdFileTemplate?: string): ShellSettings {
  return Object.freeze({
    hostname: config.shell.hostname,
    prompt: config.shell.prompt,
    colors: config.shell.colors,
    autocomplete: config.shell.autocomplete,
    motd: config.motd,
    motdFileTemplate,
    idleTimeoutSecs: config.limits.idle_timeout,
    historyMax: config.persistence.userdata.shell_history_max,
    bookmarksMax: config.persistence.userdata.bookmarks_max,
  });
}

/**
 * Read `server.motd_path` once at load. Throws with a precise message when the file is missing,
 * too big or not UTF-8 text, so `check-config` reports it instead of every login failing.
 */
export function loadMotdFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MOTD_FILE_MAX_BYTES) throw new Error(`server.motd_path: ${path} is ${size} bytes, the limit is ${MOTD_FILE_MAX_BYTES}`);
    const buf = Buffer.alloc(Math.min(size, MOTD_FILE_MAX_BYTES));
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(buf.subarray(0, n));
    if (text.includes('\u0000')) throw new Error(`server.motd_path: ${path} is not a text file`);
    return text;
  } finally {
    closeSync(fd);
  }
}
