/**
 * `list`, `approve|block|pending`, `label`, `delete`: the original's flags, output and error
 * texts; silent on success. Fingerprints may be given as an unambiguous prefix. The commands that
 * change a decision also take `-redis`/`-redis-prefix` (or `redis_url` from `-config`) and then
 * merge with Redis once, so every gate sharing it applies the change within a second.
 */
import type { FingerprintEntry, FingerprintStatus } from '../../store/fingerprint-schema.js';
import { FingerprintStore } from '../../store/fingerprints.js';
import { isFingerprintHash } from '../fingerprint.js';
import { formatUtc, goLogPrefix, sanitizeDisplay, tabwrite, valueOrDash } from '../go-format.js';
import { CliExit, DEFAULT_CONFIG, DEFAULT_DB, fatal, parseFlags, type CliIo, type ParsedFlags } from './cli-io.js';
import { loadGateConfig } from '../config.js';
import { syncOnce } from '../shared-approvals.js';
import { REDIS_FLAGS, redisSettings } from './redis-flags.js';

const DB_FLAG = { name: 'db', kind: 'string', default: DEFAULT_DB, usage: 'database path' } as const;
/** Read only for redis_url and redis_key_prefix. */
const CONFIG_FLAG = { name: 'config', kind: 'string', default: DEFAULT_CONFIG, usage: 'config path (for redis_url and redis_key_prefix)' } as const;
const SHARE_FLAGS = [CONFIG_FLAG, ...REDIS_FLAGS];

/**
 * `create: false` for commands that only read or change existing entries: a mistyped --db must say
 * so, not create an empty store that then lists nothing. `serve` and `--register` create it.
 */
export function openStore(io: CliIo, path: string, opts: { readonly create: boolean }): FingerprintStore {
  try {
    return FingerprintStore.open(path, opts);
  } catch (err) {
    return fatal(io, `open store: ${(err as Error).message}`);
  }
}

/** Runs `fn` with an open store and always closes it (also when `fn` exits through CliExit). */
function withStore<T>(io: CliIo, path: string, fn: (s: FingerprintStore) => T, create = false): T {
  const store = openStore(io, path, { create });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/**
 * After a change: one merge with Redis when configured. The change is made either way; Redis being
 * away is said on stderr (exit 0), and a gate serving this file shares it once Redis is back.
 */
async function share(io: CliIo, f: ParsedFlags, store: FingerprintStore): Promise<void> {
  let cfg = { redisUrl: '', redisKeyPrefix: '' };
  if (f.str('redis') === '' || f.str('redis-prefix') === '') {
    try {
      cfg = loadGateConfig(f.str('config'));
    } catch (err) {
      // The original's management commands read no config: a config they cannot read only costs sharing.
      io.stderr(`${goLogPrefix(io.clock.now())}config: ${(err as Error).message}; not sharing through Redis from it\n`);
    }
  }
  let r: ReturnType<typeof redisSettings>;
  try {
    r = redisSettings(f, cfg);
  } catch (err) {
    return fatal(io, (err as Error).message);
  }
  if (r.url === '') return;
  const why = await syncOnce({ url: r.url, prefix: r.prefix, dbPath: f.str('db'), store, clock: io.clock, log: () => undefined });
  if (why !== undefined) {
    io.stderr(`${goLogPrefix(io.clock.now())}REDIS ${r.target} unavailable (${why}): the change is in this database only; a gate serving it with Redis shares it when Redis is back\n`);
  }
}

async function withStoreShared(io: CliIo, f: ParsedFlags, fn: (s: FingerprintStore) => void, create = false): Promise<void> {
  const store = openStore(io, f.str('db'), { create });
  try {
    fn(store);
    await share(io, f, store);
  } finally {
    store.close();
  }
}

function resolveOrFatal(io: CliIo, store: FingerprintStore, query: string): string {
  try {
    return store.resolve(query);
  } catch (err) {
    return fatal(io, (err as Error).message);
  }
}

function attempt(io: CliIo, prefix: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliExit) throw err;
    fatal(io, `${prefix}${(err as Error).message}`);
  }
}

export function cmdList(io: CliIo, argv: readonly string[]): void {
  const f = parseFlags(io, { name: 'list', flags: [DB_FLAG,
    { name: 'v', kind: 'bool', usage: 'include SSH metadata' },
    { name: 'json', kind: 'bool', usage: 'print JSON (all fields, including hassh and count)' }] }, argv);
  withStore(io, f.str('db'), (store) => {
    let entries: FingerprintEntry[] = [];
    attempt(io, 'list fingerprints: ', () => { entries = store.list(); });
    if (f.bool('json')) {
      io.stdout(JSON.stringify(entries.map(jsonEntry), null, 2) + '\n');
      return;
    }
    io.stdout(formatList(entries, f.bool('v')));
  });
}

/** The original's table: sorted by fingerprint, `-` for empty fields, header even when empty. */
export function formatList(entries: readonly FingerprintEntry[], verbose: boolean): string {
  const header = ['FINGERPRINT', 'STATUS', 'LABEL', 'FIRST_SEEN', 'LAST_SEEN', 'IPS'];
  const rows: string[][] = [verbose ? [...header, 'CLIENT', 'RAW'] : header];
  for (const e of entries) {
    const row = [e.fingerprint, e.status, valueOrDash(e.label), formatUtc(e.firstSeen), formatUtc(e.lastSeen),
      e.ips.length ? e.ips.join(',') : '-'];
    if (verbose) row.push(valueOrDash(sanitizeDisplay(e.clientId)), valueOrDash(sanitizeDisplay(e.raw)));
    rows.push(row);
  }
  return tabwrite(rows);
}

function jsonEntry(e: FingerprintEntry): Record<string, unknown> {
  return {
    fingerprint: e.fingerprint, status: e.status, label: e.label, hassh: e.hassh, count: e.count,
    first_seen: e.firstSeen === null ? null : new Date(e.firstSeen).toISOString(),
    last_seen: e.lastSeen === null ? null : new Date(e.lastSeen).toISOString(),
    ips: e.ips, client_id: e.clientId, raw: e.raw, kex: e.kex, host_key: e.hostKey, cipher_c2s: e.cipherC2S,
    cipher_s2c: e.cipherS2C, mac_c2s: e.macC2S, mac_s2c: e.macS2C, compress_c2s: e.compressC2S,
    compress_s2c: e.compressS2C, first_kex_guess: e.firstKexGuess,
  };
}

/** `command` is what the user typed (`approve`), `status` what it sets (`approved`). */
export async function cmdSetStatus(io: CliIo, argv: readonly string[], command: string, status: FingerprintStatus): Promise<void> {
  const f = parseFlags(io, { name: command, flags: [DB_FLAG, ...SHARE_FLAGS,
    { name: 'label', kind: 'string', usage: 'label to assign' },
    { name: 'register', kind: 'bool', usage: 'create the fingerprint if it has not been observed yet (requires a full fingerprint hash)' }] }, argv);
  if (f.args.length !== 1) fatal(io, `usage: ${command} [--label <label>] [--register] <fingerprint>`);
  const arg = f.args[0] as string;
  const label = f.str('label');
  await withStoreShared(io, f, (store) => {
    if (f.bool('register')) {
      const fp = arg.toLowerCase();
      if (!isFingerprintHash(fp)) fatal(io, '--register requires a full 32-character hex fingerprint');
      attempt(io, 'set status: ', () => store.register(fp, status, io.who, io.clock.now(), label));
      return;
    }
    const fp = resolveOrFatal(io, store, arg);
    attempt(io, 'set status: ', () => store.setStatus(fp, status, io.who, io.clock.now(), label));
  }, f.bool('register'));
}

export async function cmdLabel(io: CliIo, argv: readonly string[]): Promise<void> {
  const f = parseFlags(io, { name: 'label', flags: [DB_FLAG, ...SHARE_FLAGS] }, argv);
  if (f.args.length !== 2) fatal(io, 'usage: label <fingerprint> <label>');
  await withStoreShared(io, f, (store) => {
    const fp = resolveOrFatal(io, store, f.args[0] as string);
    attempt(io, 'label: ', () => store.setLabel(fp, f.args[1] as string, io.who, io.clock.now()));
  });
}

export async function cmdDelete(io: CliIo, argv: readonly string[]): Promise<void> {
  const f = parseFlags(io, { name: 'delete', flags: [DB_FLAG, ...SHARE_FLAGS] }, argv);
  if (f.args.length !== 1) fatal(io, 'usage: delete <fingerprint>');
  await withStoreShared(io, f, (store) => {
    const fp = resolveOrFatal(io, store, f.args[0] as string);
    attempt(io, 'delete: ', () => store.delete(fp, io.who, io.clock.now()));
  });
}
