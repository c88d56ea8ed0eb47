/**
 * The sshgate fingerprint store: with fingerprint-schema.ts, the only SQL for fingerprints in the tree.
 *
 * Schema is the original Go sshgate's (`fingerprints`, `fingerprint_ips`, RFC3339Nano UTC text
 * times) so its databases open here and ours open there. Our additions are columns with defaults
 * (`count`, `hassh`, per-IP `last_seen`) and a separate `fingerprint_events` table, all of which the
 * original simply ignores. Every typed column is added if missing, so a gatekit-generation database
 * (which moved them into a JSON `meta` column) opens too.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FingerprintMaterial } from '../gate/fingerprint.js';
import { goQuote } from '../gate/go-format.js';
import { ENTRY_COLUMNS, migrate, toEntry, type FingerprintEntry, type FingerprintStatus, type Row } from './fingerprint-schema.js';
import { TIME_MS_SQL, decodeTime, encodeTime, encodeTimeCached, sortBytes, timeMs } from './fingerprint-values.js';

export { decodeTime, encodeTime, sortBytes, timeMs } from './fingerprint-values.js';

export const FINGERPRINT_STATUSES: readonly FingerprintStatus[] = ['pending', 'approved', 'blocked'];

/** Newest source IPs kept per fingerprint; the original kept all, a disk-exhaustion vector. */
export const MAX_IPS_PER_FINGERPRINT = 128;

/**
 * Repeat sightings within this window after a full write are counted in memory and written in one
 * batch (at most this much later): a busy gate otherwise pays a write transaction per connection.
 * Status and label are still read live on every sighting, so CLI decisions apply immediately.
 */
export const SIGHTING_BATCH_MS = 1000;

/** Bound on the recent-write cache (entries carry up to MAX_IPS_PER_FINGERPRINT addresses). */
const MAX_RECENT_SIGHTINGS = 4096;

/** The last full write of a fingerprint, from which repeat sightings are answered. */
interface RecentSighting {
  entry: FingerprintEntry;
  writtenAtMs: number;
  ipSeen: Map<string, string>;
  /** ipSeen's keys sorted, computed when first read after a new address (many IPs share one fingerprint). */
  sortedIps?: readonly string[] | undefined;
}

/** Sightings counted but not yet written. */
interface PendingSightings { m: FingerprintMaterial; count: number; lastSeen: string; firstAtMs: number; ips: Map<string, string> }


export interface FingerprintEvent {
  readonly id: number;
  readonly fingerprint: string;
  readonly at: string;
  readonly who: string;
  readonly action: string;
  readonly oldStatus: string;
  readonly newStatus: string;
  readonly label: string;
}

/** A management command named a database that does not exist: creating an empty one would hide a wrong path. */
export class FingerprintDbMissingError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`database ${path} does not exist (sshgate serve creates it; check --db)`);
    this.name = 'FingerprintDbMissingError';
    this.path = path;
  }
}

export class FingerprintNotFoundError extends Error {
  constructor(fp: string) { super(`fingerprint not found: ${fp}`); this.name = 'FingerprintNotFoundError'; }
}

export class FingerprintStore {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #recent = new Map<string, RecentSighting>();
  readonly #pending = new Map<string, PendingSightings>();
  #flushTimer: NodeJS.Timeout | null = null;
  #onRecorded: ((entry: FingerprintEntry) => void) | undefined;
  readonly path: string;

  private constructor(db: Database.Database, path: string) {
    this.#db = db;
    // last_seen is RFC3339Nano text, whose byte order is not time order within a second
    // ("…:05Z" sorts after "…:05.5Z"): every ORDER BY on it goes through this function instead.
    db.function(TIME_MS_SQL, { deterministic: true }, (text: unknown) => (typeof text === 'string' ? timeMs(text) : null));
    this.path = path;
  }

  /**
   * Opens the database at `path`, creating parent directories, file and schema as needed; with
   * `create: false` a missing file is a `FingerprintDbMissingError` (an existing one is still migrated).
   */
  static open(path: string, opts: { readonly create?: boolean } = {}): FingerprintStore {
    if (path === '') throw new Error('empty database path');
    if (opts.create === false) {
      if (!existsSync(path)) throw new FingerprintDbMissingError(path);
    } else {
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    }
    const db = new Database(path, { fileMustExist: opts.create === false });
    try {
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: one fsync per checkpoint, not per sighting; a crash loses at most the last
      // few sightings, never consistency (gatekit made the same choice).
      db.pragma('synchronous = NORMAL');
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new FingerprintStore(db, path);
  }

  /** Statements are compiled once per handle: the gate prepares nothing on the hot path. */
  #prep(sql: string): Database.Statement {
    let st = this.#statements.get(sql);
    if (st === undefined) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  close(): void {
    if (!this.#db.open) return;
    // A database still locked at shutdown costs at most the last batch of counts, not the exit.
    try { this.flush(); } catch { /* documented bound: SIGHTING_BATCH_MS of sightings */ }
    this.#db.close();
  }

  /**
   * Records one sighting and returns the row as now stored. A new fingerprint starts `blocked`
   * (or `pending` with allow-unknown); an existing one keeps status, label and first_seen and gets
   * the latest handshake metadata. Read back in the same transaction, so CLI changes apply live;
   * repeats within SIGHTING_BATCH_MS read status and label live and are written in a batch.
   */
  observe(m: FingerprintMaterial, ip: string, blockUnknown: boolean, nowMs: number): FingerprintEntry {
    const fast = this.#observeRepeat(m, ip, nowMs);
    if (fast !== null) return fast;
    this.flush();
    const now = encodeTime(nowMs);
    let isNew = false;
    const tx = this.#db.transaction((): readonly [FingerprintEntry, Map<string, string>] => {
      // Only here, on the full write (once per SIGHTING_BATCH_MS per fingerprint at most): is it a new one?
      isNew = this.#onRecorded !== undefined && this.status(m.fingerprint) === null;
      this.#prep(`INSERT INTO fingerprints (fp, status, label, first_seen, last_seen, count, hassh, client_id, raw,
          kex, host_key, cipher_c2s, cipher_s2c, mac_c2s, mac_s2c, compress_c2s, compress_s2c, first_kex_guess)
        VALUES (?, ?, '', ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(fp) DO UPDATE SET last_seen = excluded.last_seen, count = fingerprints.count + 1,
          hassh = excluded.hassh, client_id = excluded.client_id, raw = excluded.raw, kex = excluded.kex,
          host_key = excluded.host_key, cipher_c2s = excluded.cipher_c2s, cipher_s2c = excluded.cipher_s2c,
          mac_c2s = excluded.mac_c2s, mac_s2c = excluded.mac_s2c, compress_c2s = excluded.compress_c2s,
          compress_s2c = excluded.compress_s2c, first_kex_guess = excluded.first_kex_guess`)
        .run(m.fingerprint, blockUnknown ? 'blocked' : 'pending', now, now, m.hassh, m.clientId, m.raw, m.kex,
          m.hostKey, m.cipherC2S, m.cipherS2C, m.macC2S, m.macS2C, m.compressC2S, m.compressS2C, m.firstKexGuess ? 1 : 0);
      if (ip !== '') {
        this.#upsertIp(m.fingerprint, ip, now);
        this.#trimIps(m.fingerprint);
      }
      const e = this.get(m.fingerprint);
      if (e === null) throw new Error(`fingerprint ${m.fingerprint} vanished during observe`);
      const seen = this.#prep('SELECT ip, last_seen FROM fingerprint_ips WHERE fp = ?').all(m.fingerprint) as { ip: string; last_seen: string }[];
      return [e, new Map(seen.map((r) => [r.ip, r.last_seen]))] as const;
    });
    const [entry, ipSeen] = tx.immediate();
    this.#remember(m.fingerprint, { entry, writtenAtMs: nowMs, ipSeen, sortedIps: entry.ips });
    if (isNew) this.#onRecorded?.(entry);
    return entry;
  }

  /**
   * Keeps the recent-write cache in write order and drops expired entries from its front, so a
   * flood of one-off (randomised) fingerprints cannot grow it beyond one window's worth.
   */
  #remember(fp: string, sighting: RecentSighting): void {
    this.#recent.delete(fp);
    this.#recent.set(fp, sighting);
    for (const [oldFp, old] of this.#recent) {
      const expired = sighting.writtenAtMs - old.writtenAtMs >= SIGHTING_BATCH_MS;
      if (!expired && this.#recent.size <= MAX_RECENT_SIGHTINGS) break;
      this.#recent.delete(oldFp);
    }
  }

  /**
   * A sighting of a fingerprint fully written less than SIGHTING_BATCH_MS ago whose live status
   * is unchanged: answered from memory plus one indexed read, and queued for the next batch.
   * Returns null when a full write is needed (new, changed status, stale, or a new IP at the cap).
   */
  #observeRepeat(m: FingerprintMaterial, ip: string, nowMs: number): FingerprintEntry | null {
    const recent = this.#recent.get(m.fingerprint);
    if (recent === undefined) return null;
    const age = nowMs - recent.writtenAtMs;
    if (age < 0 || age >= SIGHTING_BATCH_MS) {
      this.#recent.delete(m.fingerprint);
      return null;
    }
    const prev = recent.entry;
    const live = this.#prep('SELECT status, label FROM fingerprints WHERE fp = ?').get(m.fingerprint) as
      { status: string; label: string } | undefined;
    if (live === undefined || live.status !== prev.status) return null;
    const now = encodeTimeCached(nowMs);
    if (ip !== '') {
      const known = recent.ipSeen.has(ip);
      recent.ipSeen.set(ip, now);
      if (!known) {
        if (recent.ipSeen.size > MAX_IPS_PER_FINGERPRINT) recent.ipSeen.delete(ipToEvict(recent.ipSeen));
        recent.sortedIps = undefined;
      }
    }
    const entry = repeatEntry(prev, m, live.label, nowMs, recent);
    recent.entry = entry;
    let p = this.#pending.get(m.fingerprint);
    if (p === undefined) {
      p = { m, count: 0, lastSeen: now, firstAtMs: nowMs, ips: new Map() };
      this.#pending.set(m.fingerprint, p);
    }
    p.m = m;
    p.count++;
    p.lastSeen = now;
    if (ip !== '') {
      p.ips.set(ip, now);
      // The batch keeps only the addresses the trim after the flush would keep: a fingerprint shared by
      // many sources (one OpenSSH release, a whole team) costs at most 128 upserts per batch, not one per connection.
      if (p.ips.size > MAX_IPS_PER_FINGERPRINT) p.ips.delete(ipToEvict(p.ips));
    }
    if (nowMs - p.firstAtMs >= SIGHTING_BATCH_MS) this.flush();
    else this.#flushTimer ??= setTimeout(() => { this.#flushTimer = null; this.#flushQuietly(); }, SIGHTING_BATCH_MS).unref();
    return entry;
  }

  /** Writes the queued repeat sightings; a fingerprint deleted meanwhile stays deleted. */
  flush(): void {
    if (this.#flushTimer !== null) { clearTimeout(this.#flushTimer); this.#flushTimer = null; }
    if (this.#pending.size === 0 || !this.#db.open) return;
    this.#db.transaction(() => {
      for (const [fp, p] of this.#pending) {
        const { m } = p;
        const changed = this.#prep(`UPDATE fingerprints SET last_seen = ?, count = count + ?, hassh = ?, client_id = ?,
            raw = ?, kex = ?, host_key = ?, cipher_c2s = ?, cipher_s2c = ?, mac_c2s = ?, mac_s2c = ?, compress_c2s = ?,
            compress_s2c = ?, first_kex_guess = ? WHERE fp = ?`)
          .run(p.lastSeen, p.count, m.hassh, m.clientId, m.raw, m.kex, m.hostKey, m.cipherC2S, m.cipherS2C, m.macC2S,
            m.macS2C, m.compressC2S, m.compressS2C, m.firstKexGuess ? 1 : 0, fp).changes;
        if (changed === 0 || p.ips.size === 0) continue;
        for (const [ip, at] of p.ips) this.#upsertIp(fp, ip, at);
        this.#trimIps(fp);
      }
    }).immediate();
    this.#pending.clear();
  }

  /** Timer-driven flush: a busy database keeps the batch for the next attempt instead of throwing. */
  #flushQuietly(): void {
    try {
      this.flush();
    } catch {
      this.#flushTimer ??= setTimeout(() => { this.#flushTimer = null; this.#flushQuietly(); }, SIGHTING_BATCH_MS).unref();
    }
  }

  #upsertIp(fp: string, ip: string, now: string): void {
    this.#prep(`INSERT INTO fingerprint_ips (fp, ip, last_seen) VALUES (?, ?, ?)
      ON CONFLICT(fp, ip) DO UPDATE SET last_seen = excluded.last_seen`).run(fp, ip, now);
  }

  /** Keeps the MAX_IPS_PER_FINGERPRINT most recent source IPs (ipToEvict mirrors this order). */
  #trimIps(fp: string): void {
    this.#prep(`DELETE FROM fingerprint_ips WHERE fp = ? AND ip NOT IN (
      SELECT ip FROM fingerprint_ips WHERE fp = ? ORDER BY ${TIME_MS_SQL}(last_seen) DESC, ip LIMIT ?)`)
      .run(fp, fp, MAX_IPS_PER_FINGERPRINT);
  }

  get(fp: string): FingerprintEntry | null {
    if (this.#pending.size > 0) this.flush();
    const row = this.#prep(`SELECT ${ENTRY_COLUMNS} FROM fingerprints WHERE fp = ?`).get(fp) as Row | undefined;
    return row ? toEntry(row, this.#ips(fp)) : null;
  }

  /** The live status, or null when unknown. One indexed lookup; used on every connection. */
  status(fp: string): string | null {
    const row = this.#prep('SELECT status FROM fingerprints WHERE fp = ?').get(fp) as { status: string } | undefined;
    return row ? row.status : null;
  }

  /** All entries sorted by fingerprint. */
  list(): FingerprintEntry[] {
    this.flush();
    const rows = this.#prep(`SELECT ${ENTRY_COLUMNS} FROM fingerprints ORDER BY fp`).all() as Row[];
    const ips = new Map<string, string[]>();
    for (const r of this.#prep('SELECT fp, ip FROM fingerprint_ips ORDER BY fp, ip').all() as { fp: string; ip: string }[]) {
      const list = ips.get(r.fp);
      if (list) list.push(r.ip); else ips.set(r.fp, [r.ip]);
    }
    return rows.map((r) => toEntry(r, sortBytes(ips.get(r.fp) ?? [])));
  }

  count(): number {
    if (this.#pending.size > 0) this.flush();
    return (this.#prep('SELECT COUNT(*) AS n FROM fingerprints').get() as { n: number }).n;
  }

  /**
   * Resolves an exact fingerprint or an unambiguous prefix, with the original's error texts.
   */
  resolve(query: string): string {
    if (this.status(query) !== null) return query;
    const all = (this.#prep('SELECT fp FROM fingerprints').all() as { fp: string }[]).map((r) => r.fp);
    const matches = sortBytes(all.filter((fp) => fp.startsWith(query)));
    if (matches.length === 1) return matches[0] as string;
    if (matches.length === 0) throw new FingerprintNotFoundError(query);
    throw new Error(`ambiguous fingerprint prefix ${goQuote(query)} matches: [${matches.join(' ')}]`);
  }

  /** Sets the status of an existing fingerprint; the label changes only when `label` is non-empty. */
  setStatus(fp: string, status: FingerprintStatus, who: string, nowMs: number, label = ''): void {
    this.#db.transaction(() => {
      const old = this.status(fp);
      if (old === null) throw new FingerprintNotFoundError(fp);
      if (label !== '') this.#prep('UPDATE fingerprints SET status = ?, label = ? WHERE fp = ?').run(status, label, fp);
      else this.#prep('UPDATE fingerprints SET status = ? WHERE fp = ?').run(status, fp);
      this.#event(fp, nowMs, who, 'status', old, status, label);
    }).immediate();
  }

  /** `--register`: sets status (and non-empty label), inserting a metadata-less placeholder if unseen. */
  register(fp: string, status: FingerprintStatus, who: string, nowMs: number, label = ''): void {
    const now = encodeTime(nowMs);
    this.#db.transaction(() => {
      const old = this.status(fp) ?? '';
      this.#prep(`INSERT INTO fingerprints (fp, status, label, first_seen, last_seen, count) VALUES (?, ?, ?, ?, ?, 0)
        ON CONFLICT(fp) DO UPDATE SET status = excluded.status,
          label = CASE WHEN excluded.label != '' THEN excluded.label ELSE fingerprints.label END`)
        .run(fp, status, label, now, now);
      this.#event(fp, nowMs, who, old === '' ? 'register' : 'status', old, status, label);
    }).immediate();
  }

  setLabel(fp: string, label: string, who: string, nowMs: number): void {
    this.#db.transaction(() => {
      const old = this.status(fp);
      if (this.#prep('UPDATE fingerprints SET label = ? WHERE fp = ?').run(label, fp).changes === 0) {
        throw new FingerprintNotFoundError(fp);
      }
      this.#event(fp, nowMs, who, 'label', old ?? '', old ?? '', label);
    }).immediate();
  }

  delete(fp: string, who: string, nowMs: number): void {
    this.#db.transaction(() => {
      const old = this.status(fp);
      if (this.#prep('DELETE FROM fingerprints WHERE fp = ?').run(fp).changes === 0) throw new FingerprintNotFoundError(fp);
      this.#event(fp, nowMs, who, 'delete', old ?? '', '', '');
    }).immediate();
  }

  /**
   * Deletes up to `count - max` non-approved rows, least recently seen first. Approved rows are
   * never pruned, so the table may stay above the cap. `max <= 0` disables pruning.
   */
  prune(max: number): number {
    if (max <= 0) return 0;
    this.flush();
    return this.#db.transaction((): number => {
      const excess = this.count() - max;
      if (excess <= 0) return 0;
      return this.#prep(`DELETE FROM fingerprints WHERE fp IN (
        SELECT fp FROM fingerprints WHERE status != 'approved' ORDER BY ${TIME_MS_SQL}(last_seen) ASC, fp LIMIT ?)`).run(excess).changes;
    }).immediate();
  }

  /** Status-change history, newest last; all fingerprints when `fp` is omitted. */
  events(fp?: string): FingerprintEvent[] {
    const sql = `SELECT id, fp, at, who, action, old_status, new_status, label FROM fingerprint_events
      ${fp === undefined ? '' : 'WHERE fp = ?'} ORDER BY id`;
    const rows = (fp === undefined ? this.#prep(sql).all() : this.#prep(sql).all(fp)) as {
      id: number; fp: string; at: string; who: string; action: string; old_status: string; new_status: string; label: string;
    }[];
    return rows.map((r) => ({ id: r.id, fingerprint: r.fp, at: r.at, who: r.who, action: r.action,
      oldStatus: r.old_status, newStatus: r.new_status, label: r.label }));
  }

  /**
   * The cluster's port (src/cluster/fingerprint-sync.ts): told of every fingerprint recorded for the
   * first time, so other nodes learn of it. Decisions are not reported here: they are read back from
   * `fingerprint_events`, which also holds those made by other processes on this file (the CLI).
   */
  replicateTo(onRecorded: ((entry: FingerprintEntry) => void) | undefined): void {
    this.#onRecorded = onRecorded;
  }

  /** Up to `limit` events after id `afterId`, oldest first. */
  eventsSince(afterId: number, limit: number): FingerprintEvent[] {
    const rows = this.#prep(`SELECT id, fp, at, who, action, old_status, new_status, label FROM fingerprint_events
      WHERE id > ? ORDER BY id LIMIT ?`).all(afterId, limit) as {
      id: number; fp: string; at: string; who: string; action: string; old_status: string; new_status: string; label: string;
    }[];
    return rows.map((r) => ({ id: r.id, fingerprint: r.fp, at: r.at, who: r.who, action: r.action,
      oldStatus: r.old_status, newStatus: r.new_status, label: r.label }));
  }

  /** Status, label and first sighting (epoch ms, null for the Go zero time): what a decision shared between nodes holds. */
  decision(fp: string): { status: string; label: string; firstSeen: number | null } | null {
    const row = this.#prep('SELECT status, label, first_seen FROM fingerprints WHERE fp = ?').get(fp) as { status: string; label: string; first_seen: string } | undefined;
    return row ? { status: row.status, label: row.label, firstSeen: decodeTime(row.first_seen) } : null;
  }

  /**
   * A decision made on another node: status and label as they are there (an unseen fingerprint gets a
   * metadata-less row, as `--register` makes), or a deletion, which spares a row first seen after it
   * (the client came back after the delete). Audited with `who` (`redis:<node>`) at the decision's time.
   */
  applyReplicated(fp: string, d: { status: FingerprintStatus; label: string; removed: boolean; at: number; firstSeen?: number | undefined }, who: string): void {
    this.#db.transaction(() => {
      const old = this.decision(fp);
      if (d.removed) {
        if (old === null || (old.firstSeen ?? 0) > d.at) return;
        this.#prep('DELETE FROM fingerprints WHERE fp = ?').run(fp);
        this.#event(fp, d.at, who, 'delete', old.status, '', '');
        return;
      }
      const first = encodeTime(d.firstSeen ?? d.at);
      this.#prep(`INSERT INTO fingerprints (fp, status, label, first_seen, last_seen, count) VALUES (?, ?, ?, ?, ?, 0)
        ON CONFLICT(fp) DO UPDATE SET status = excluded.status, label = excluded.label`).run(fp, d.status, d.label, first, first);
      this.#event(fp, d.at, who, old === null ? 'register' : 'status', old?.status ?? '', d.status, d.label);
    }).immediate();
  }

  /** A fingerprint another node recorded first: added as it was recorded there, unless this node has it. */
  insertSeen(fp: string, status: FingerprintStatus, firstSeenMs: number, m: FingerprintMaterial | undefined): void {
    const at = encodeTime(firstSeenMs);
    this.#prep(`INSERT INTO fingerprints (fp, status, label, first_seen, last_seen, count, hassh, client_id, raw,
        kex, host_key, cipher_c2s, cipher_s2c, mac_c2s, mac_s2c, compress_c2s, compress_s2c, first_kex_guess)
      VALUES (?, ?, '', ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(fp) DO NOTHING`)
      .run(fp, status, at, at, m?.hassh ?? '', m?.clientId ?? '', m?.raw ?? '', m?.kex ?? '', m?.hostKey ?? '', m?.cipherC2S ?? '',
        m?.cipherS2C ?? '', m?.macC2S ?? '', m?.macS2C ?? '', m?.compressC2S ?? '', m?.compressS2C ?? '', m?.firstKexGuess ? 1 : 0);
  }

  #ips(fp: string): string[] {
    return sortBytes((this.#prep('SELECT ip FROM fingerprint_ips WHERE fp = ?').all(fp) as { ip: string }[]).map((r) => r.ip));
  }

  #event(fp: string, nowMs: number, who: string, action: string, oldStatus: string, newStatus: string, label: string): void {
    this.#prep(`INSERT INTO fingerprint_events (fp, at, who, action, old_status, new_status, label)
      VALUES (?, ?, ?, ?, ?, ?, ?)`).run(fp, encodeTime(nowMs), who, action, oldStatus, newStatus, label);
  }
}

/**
 * A repeat sighting as stored after the next batch. Built field by field, not by spreading the
 * previous entry: `ips` is a lazy getter (sorting up to 128 addresses per connection is the
 * costliest part of a sighting, and the gate only reads status and label).
 */
function repeatEntry(prev: FingerprintEntry, m: FingerprintMaterial, label: string, nowMs: number, recent: RecentSighting): FingerprintEntry {
  return {
    fingerprint: prev.fingerprint, status: prev.status, label, firstSeen: prev.firstSeen, lastSeen: nowMs, count: prev.count + 1,
    hassh: m.hassh, clientId: m.clientId, raw: m.raw, kex: m.kex, hostKey: m.hostKey, cipherC2S: m.cipherC2S,
    cipherS2C: m.cipherS2C, macC2S: m.macC2S, macS2C: m.macS2C, compressC2S: m.compressC2S, compressS2C: m.compressS2C,
    firstKexGuess: m.firstKexGuess,
    get ips(): readonly string[] { return (recent.sortedIps ??= sortBytes([...recent.ipSeen.keys()])); },
  };
}

/** The IP `#trimIps` drops first: oldest last_seen (timeMs), then the greatest IP (its ORDER BY, reversed). */
function ipToEvict(seen: Map<string, string>): string {
  let victim = '';
  let victimAt = Infinity;
  let first = true;
  for (const [ip, text] of seen) {
    const at = orderKey(text);
    if (first || at < victimAt || (at === victimAt && ip > victim)) { victim = ip; victimAt = at; first = false; }
  }
  return victim;
}

/**
 * timeMs for ipToEvict, remembered per text: with a new source on every connection the scan runs
 * over up to 129 addresses twice per connection, and Date.parse on each was about 6 % of a gate's CPU
 * (3842 connections, 294 ms self in timeMs, 2026-12-03). The texts are the last 128 sightings'
 * times, so the memo stays small; cleared when it outgrows them (times only move on).
 */
const orderKeys = new Map<string, number>();
const MAX_ORDER_KEYS = 4 * MAX_IPS_PER_FINGERPRINT;

function orderKey(text: string): number {
  let at = orderKeys.get(text);
  if (at === undefined) {
    if (orderKeys.size >= MAX_ORDER_KEYS) orderKeys.clear();
    at = timeMs(text) ?? -Infinity;
    orderKeys.set(text, at);
  }
  return at;
}
