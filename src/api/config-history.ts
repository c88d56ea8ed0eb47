/**
 * `[persistence.config_history]`: before a config file is replaced (reload of an edited file,
 * restore), the previous text is kept under `<data_dir>/config-history/`, newest last, at most
 * `max_entries` files. The original configured this and never wrote a snapshot.
 * Files are 0600: a config holds password hashes and the API token.
 */
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock.js';

const NAME = /^config-(\d{8}T\d{6}\d{3}Z)(?:-(\d+))?\.toml$/;

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}

/** Saves `text` as the newest history entry and prunes the oldest past `maxEntries`; returns the file path. */
export async function saveConfigHistory(opts: { dir: string; text: string; maxEntries: number; clock: Clock }): Promise<string> {
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  const existing = await listConfigHistory(opts.dir);
  const base = `config-${stamp(opts.clock.now())}`;
  let name = `${base}.toml`;
  // Two saves in the same millisecond get a counter instead of overwriting each other.
  for (let i = 1; existing.includes(name); i += 1) name = `${base}-${i}.toml`;
  const path = join(opts.dir, name);
  await writeFile(path, opts.text, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  const all = await listConfigHistory(opts.dir);
  for (const old of all.slice(0, Math.max(0, all.length - opts.maxEntries))) await rm(join(opts.dir, old), { force: true });
  return path;
}

/** History file names, oldest first. */
export async function listConfigHistory(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const key = (n: string): [string, number] => {
    const m = NAME.exec(n);
    return [m?.[1] ?? '', Number(m?.[2] ?? 0)];
  };
  return names.filter((n) => NAME.test(n)).sort((a, b) => {
    const [ta, ia] = key(a);
    const [tb, ib] = key(b);
    return ta < tb ? -1 : ta > tb ? 1 : ia - ib;
  });
}
