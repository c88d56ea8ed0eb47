/**
 * The fingerprint database's schema: the original sshgate's tables and columns, created or
 * extended in place (a database written by the Go tool opens unchanged), and the row mapping.
 */
import type Database from 'better-sqlite3';
import type { FingerprintMaterial } from '../gate/fingerprint.js';
import { decodeTime } from './fingerprint-values.js';

const TYPED_COLUMNS: readonly (readonly [string, string])[] = [
  ['client_id', "TEXT NOT NULL DEFAULT ''"], ['raw', "TEXT NOT NULL DEFAULT ''"], ['kex', "TEXT NOT NULL DEFAULT ''"],
  ['host_key', "TEXT NOT NULL DEFAULT ''"], ['cipher_c2s', "TEXT NOT NULL DEFAULT ''"], ['cipher_s2c', "TEXT NOT NULL DEFAULT ''"],
  ['mac_c2s', "TEXT NOT NULL DEFAULT ''"], ['mac_s2c', "TEXT NOT NULL DEFAULT ''"], ['compress_c2s', "TEXT NOT NULL DEFAULT ''"],
  ['compress_s2c', "TEXT NOT NULL DEFAULT ''"], ['first_kex_guess', 'INTEGER NOT NULL DEFAULT 0'],
  ['count', 'INTEGER NOT NULL DEFAULT 0'], ['hassh', "TEXT NOT NULL DEFAULT ''"],
];

export const ENTRY_COLUMNS = `fp, status, label, first_seen, last_seen, count, hassh, client_id, raw, kex, host_key,
  cipher_c2s, cipher_s2c, mac_c2s, mac_s2c, compress_c2s, compress_s2c, first_kex_guess`;

export interface Row {
  fp: string; status: string; label: string; first_seen: string; last_seen: string; count: number; hassh: string;
  client_id: string; raw: string; kex: string; host_key: string; cipher_c2s: string; cipher_s2c: string;
  mac_c2s: string; mac_s2c: string; compress_c2s: string; compress_s2c: string; first_kex_guess: number;
}

export function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS fingerprints (
      fp TEXT PRIMARY KEY, status TEXT NOT NULL, label TEXT NOT NULL DEFAULT '',
      first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
      client_id TEXT NOT NULL DEFAULT '', raw TEXT NOT NULL DEFAULT '', kex TEXT NOT NULL DEFAULT '',
      host_key TEXT NOT NULL DEFAULT '', cipher_c2s TEXT NOT NULL DEFAULT '', cipher_s2c TEXT NOT NULL DEFAULT '',
      mac_c2s TEXT NOT NULL DEFAULT '', mac_s2c TEXT NOT NULL DEFAULT '', compress_c2s TEXT NOT NULL DEFAULT '',
      compress_s2c TEXT NOT NULL DEFAULT '', first_kex_guess INTEGER NOT NULL DEFAULT 0)`);
  db.exec(`CREATE TABLE IF NOT EXISTS fingerprint_ips (
      fp TEXT NOT NULL REFERENCES fingerprints(fp) ON DELETE CASCADE, ip TEXT NOT NULL, PRIMARY KEY (fp, ip))`);
  db.exec('CREATE INDEX IF NOT EXISTS idx_fingerprints_last_seen ON fingerprints(last_seen)');
  db.exec('CREATE INDEX IF NOT EXISTS idx_fingerprint_ips_ip ON fingerprint_ips(ip)');
  for (const [name, def] of TYPED_COLUMNS) addColumnIfMissing(db, 'fingerprints', name, def);
  addColumnIfMissing(db, 'fingerprint_ips', 'last_seen', "TEXT NOT NULL DEFAULT ''");
  // No foreign key: the audit trail must outlive a deleted fingerprint.
  db.exec(`CREATE TABLE IF NOT EXISTS fingerprint_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT, fp TEXT NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL,
      action TEXT NOT NULL, old_status TEXT NOT NULL DEFAULT '', new_status TEXT NOT NULL DEFAULT '',
      label TEXT NOT NULL DEFAULT '')`);
  db.exec('CREATE INDEX IF NOT EXISTS idx_fingerprint_events_fp ON fingerprint_events(fp)');
}

function addColumnIfMissing(db: Database.Database, table: string, column: string, def: string): void {
  const cols = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
  if (!cols.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${def}`);
}

export type FingerprintStatus = 'pending' | 'approved' | 'blocked';

/** A stored fingerprint: the handshake material of its latest sighting plus what the store tracks. */
export interface FingerprintEntry extends FingerprintMaterial {
  readonly status: FingerprintStatus | string;
  readonly label: string;
  /** Epoch ms, or null for the Go zero time / unparsable text. */
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
  readonly count: number;
  /** Sorted (byte order), as the original prints them. */
  readonly ips: readonly string[];
}

export function toEntry(r: Row, ips: string[]): FingerprintEntry {
  return {
    fingerprint: r.fp, status: r.status, label: r.label, firstSeen: decodeTime(r.first_seen), lastSeen: decodeTime(r.last_seen),
    count: r.count, hassh: r.hassh, clientId: r.client_id, raw: r.raw, kex: r.kex, hostKey: r.host_key,
    cipherC2S: r.cipher_c2s, cipherS2C: r.cipher_s2c, macC2S: r.mac_c2s, macS2C: r.mac_s2c,
    compressC2S: r.compress_c2s, compressS2C: r.compress_s2c, firstKexGuess: r.first_kex_guess !== 0, ips,
  };
}
