/**
 * Native addons inside a single-file executable. Node can only dlopen a file, so each addon travels
 * as a SEA asset and is written once into a private cache directory, then loaded from there. The
 * directory must be ours alone (a directory, not a symlink, owned by this UID, mode 0700): anyone who
 * can write into it could swap the library we are about to load. Every file is checked against the
 * SHA-256 recorded at build time before it is loaded, including files left by an earlier run.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface CacheDirInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string | undefined;
}

/** `$XDG_CACHE_HOME/sks5/addons`, else `~/.cache/sks5/addons`; never a shared temporary directory. */
export function addonCacheDir({ env, home }: CacheDirInput): string {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && xdg.startsWith('/')) return join(xdg, 'sks5', 'addons');
  if (home !== undefined && home.startsWith('/')) return join(home, '.cache', 'sks5', 'addons');
  throw new Error('cannot place the native addon cache: set HOME or XDG_CACHE_HOME to an absolute path');
}

export interface DirStat { isDirectory(): boolean; isSymbolicLink(): boolean; readonly uid: number; readonly mode: number }

/** Why a cache directory may not be used, or undefined when it is private to `uid`. */
export function unsafeDirReason(path: string, st: DirStat, uid: number): string | undefined {
  if (st.isSymbolicLink()) return `${path} is a symbolic link`;
  if (!st.isDirectory()) return `${path} is not a directory`;
  if (st.uid !== uid) return `${path} belongs to UID ${st.uid}, not ${uid}`;
  if ((st.mode & 0o077) !== 0) return `${path} has mode ${(st.mode & 0o777).toString(8)}, expected 700`;
  return undefined;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface AddonSource {
  /** The asset's bytes (node:sea getRawAsset). */
  readonly bytes: Uint8Array;
  /** SHA-256 recorded when the executable was built. */
  readonly sha256: string;
}

/** Writes (or reuses) the verified addon file in `dir` and returns its path. */
export function materializeAddon(dir: string, name: string, src: AddonSource, uid: number): string {
  if (sha256Hex(src.bytes) !== src.sha256) throw new Error(`embedded addon ${name} does not match its recorded SHA-256`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const reason = unsafeDirReason(dir, lstatSync(dir), uid);
  if (reason !== undefined) throw new Error(`refusing the native addon cache: ${reason}`);
  const file = join(dir, `${src.sha256.slice(0, 16)}-${name}`);
  if (!matches(file, src.sha256)) {
    const tmp = `${file}.${process.pid}.tmp`;
    rmSync(tmp, { force: true });
    const fd = openSync(tmp, 'wx', 0o500);
    try {
      writeSync(fd, src.bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    if (!matches(file, src.sha256)) throw new Error(`native addon ${file} changed while it was written`);
  }
  return file;
}

function matches(file: string, sha256: string): boolean {
  try {
    const st = lstatSync(file);
    return st.isFile() && sha256Hex(readFileSync(file)) === sha256;
  } catch {
    return false;
  }
}
