/**
 * Per-user shell data: command history, bookmarks, aliases and the last login. Reads come from an
 * in-memory copy loaded on first use; writes go to it and, when a database is available, straight
 * to disk (each is a single small statement, and a shell user types far slower than SQLite
 * commits). Without a database everything still works for the life of the process.
 *
 * In a cluster (src/cluster/user-data-sync.ts) every change also goes to the cluster's copy, and
 * `refresh` at login replaces this copy with the cluster's (memory and disk), so a user sees the
 * same on every node; the local copy is what a node serves while the cluster cannot answer.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Db, StoreLog } from './sqlite.js';

/** Longest history line or bookmark target kept; longer input is cut, not refused. */
export const MAX_LINE_CHARS = 4096;
/** Bookmark names: short words a user types, `bookmark go <name>`. */
export const BOOKMARK_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export interface Bookmark { name: string; target: string }
export interface LastLogin { at: number; ip: string }
export type BookmarkResult = { ok: true } | { ok: false; error: string };

/** Same bound as the shell's `alias add` (MAX_USER_ALIASES): a database edited by hand cannot load more. */
export const MAX_ALIASES_LOADED = 100;

/** One user's data, as the cluster copy holds it (history oldest first). */
export interface UserSnapshot {
  history: string[];
  bookmarks: Record<string, string>;
  aliases: Record<string, string>;
  lastLogin: LastLogin | undefined;
}

/** One change, as reported to the cluster; `undefined` target or command means deleted. */
export type UserDataChange =
  | { k: 'history'; line: string; at: number }
  | { k: 'history-clear' }
  | { k: 'bookmark'; name: string; target: string | undefined }
  | { k: 'alias'; name: string; command: string | undefined }
  | { k: 'login'; login: LastLogin };

/** Where changes go in a cluster, and where a login reads the cluster's copy from. */
export interface UserDataReplica {
  changed(user: string, change: UserDataChange, local: () => UserSnapshot): void;
  /** The cluster's copy, or undefined to keep the local one (cluster away, slow, or behind us). */
  load(user: string, local: () => UserSnapshot): Promise<UserSnapshot | undefined>;
}

interface Entry { history: string[]; bookmarks: Map<string, string>; aliases: Map<string, string>; lastLogin: LastLogin | undefined }

export class UserData {
  readonly #db: Db | undefined;
  readonly #config: () => Config;
  readonly #clock: Clock;
  readonly #log: StoreLog;
  readonly #users = new Map<string, Entry>();
  #replica: UserDataReplica | undefined;
  #warned = false;

  constructor(deps: { db: Db | undefined; config: () => Config; clock: Clock; log: StoreLog }) {
    this.#db = deps.db;
    this.#config = deps.config;
    this.#clock = deps.clock;
    this.#log = deps.log;
  }

  /** Report changes to the cluster (and read its copy in `refresh`); undefined leaves it. */
  joinCluster(replica: UserDataReplica | undefined): void {
    this.#replica = replica;
  }

  /**
   * Before a login uses the data: take the cluster's copy of this user when it answers (the
   * replica bounds the wait), else keep the local one.
   */
  async refresh(user: string): Promise<void> {
    const replica = this.#replica;
    if (!replica) return;
    let snap: UserSnapshot | undefined;
    try {
      snap = await replica.load(user, () => this.snapshot(user));
    } catch {
      snap = undefined;
    }
    if (snap) this.#adopt(user, snap);
  }

  /** Users whose data is in memory (read or written since the start). */
  knownUsers(): string[] {
    return [...this.#users.keys()];
  }

  snapshot(user: string): UserSnapshot {
    const e = this.#entry(user);
    return { history: [...e.history], bookmarks: Object.fromEntries(e.bookmarks), aliases: Object.fromEntries(e.aliases), lastLogin: e.lastLogin ? { ...e.lastLogin } : undefined };
  }

  /** Oldest first, at most `persistence.userdata.shell_history_max` lines. */
  getHistory(user: string): string[] {
    return [...this.#entry(user).history];
  }

  appendHistory(user: string, line: string): void {
    const text = line.slice(0, MAX_LINE_CHARS);
    if (text.trim() === '') return;
    const max = this.#config().persistence.userdata.shell_history_max;
    const e = this.#entry(user);
    e.history.push(text);
    while (e.history.length > max) e.history.shift();
    const at = this.#clock.now();
    this.#report(user, { k: 'history', line: text, at });
    this.#write((db) => {
      db.prepare('INSERT INTO shell_history (username, line, at) VALUES (?, ?, ?)').run(user, text, at);
      // Keep only the newest `max` rows for this user.
      db.prepare('DELETE FROM shell_history WHERE username = ? AND id NOT IN (SELECT id FROM shell_history WHERE username = ? ORDER BY id DESC LIMIT ?)').run(user, user, max);
    });
  }

  clearHistory(user: string): void {
    this.#entry(user).history = [];
    this.#report(user, { k: 'history-clear' });
    this.#write((db) => db.prepare('DELETE FROM shell_history WHERE username = ?').run(user));
  }

  listBookmarks(user: string): Bookmark[] {
    return [...this.#entry(user).bookmarks].map(([name, target]) => ({ name, target })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Add or replace; refused when the name is malformed or the user already has `bookmarks_max`. */
  addBookmark(user: string, name: string, target: string): BookmarkResult {
    if (!BOOKMARK_NAME.test(name)) return { ok: false, error: 'bookmark names are 1-64 letters, digits, ".", "_" or "-"' };
    const t = target.slice(0, MAX_LINE_CHARS);
    const e = this.#entry(user);
    const max = this.#config().persistence.userdata.bookmarks_max;
    if (!e.bookmarks.has(name) && e.bookmarks.size >= max) return { ok: false, error: `at most ${max} bookmarks` };
    e.bookmarks.set(name, t);
    this.#report(user, { k: 'bookmark', name, target: t });
    this.#write((db) =>
      db.prepare('INSERT INTO bookmarks (username, name, target, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(username, name) DO UPDATE SET target = excluded.target')
        .run(user, name, t, this.#clock.now()),
    );
    return { ok: true };
  }

  deleteBookmark(user: string, name: string): boolean {
    const removed = this.#entry(user).bookmarks.delete(name);
    if (removed) this.#report(user, { k: 'bookmark', name, target: undefined });
    if (removed) this.#write((db) => db.prepare('DELETE FROM bookmarks WHERE username = ? AND name = ?').run(user, name));
    return removed;
  }

  listAliases(user: string): Record<string, string> {
    return Object.fromEntries(this.#entry(user).aliases);
  }

  /** The shell validates name, command and the per-user cap before calling this. */
  setAlias(user: string, name: string, command: string): void {
    const c = command.slice(0, MAX_LINE_CHARS);
    this.#entry(user).aliases.set(name, c);
    this.#report(user, { k: 'alias', name, command: c });
    this.#write((db) =>
      db.prepare('INSERT INTO aliases (username, name, command, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(username, name) DO UPDATE SET command = excluded.command')
        .run(user, name, c, this.#clock.now()),
    );
  }

  deleteAlias(user: string, name: string): boolean {
    const removed = this.#entry(user).aliases.delete(name);
    if (removed) this.#report(user, { k: 'alias', name, command: undefined });
    if (removed) this.#write((db) => db.prepare('DELETE FROM aliases WHERE username = ? AND name = ?').run(user, name));
    return removed;
  }

  lastLogin(user: string): LastLogin | undefined {
    const l = this.#entry(user).lastLogin;
    return l ? { ...l } : undefined;
  }

  /** Remember this login; returns the previous one (for "Last login: ..." in the MOTD). */
  recordLogin(user: string, ip: string): LastLogin | undefined {
    const e = this.#entry(user);
    const previous = e.lastLogin;
    const at = this.#clock.now();
    e.lastLogin = { at, ip };
    this.#report(user, { k: 'login', login: { at, ip } });
    this.#write((db) =>
      db.prepare('INSERT INTO user_logins (username, last_login, last_ip) VALUES (?, ?, ?) ON CONFLICT(username) DO UPDATE SET last_login = excluded.last_login, last_ip = excluded.last_ip')
        .run(user, at, ip),
    );
    return previous;
  }

  #entry(user: string): Entry {
    let e = this.#users.get(user);
    if (e) return e;
    e = { history: [], bookmarks: new Map(), aliases: new Map(), lastLogin: undefined };
    const db = this.#db;
    if (db) {
      try {
        const max = this.#config().persistence.userdata.shell_history_max;
        const lines = db.prepare('SELECT line FROM shell_history WHERE username = ? ORDER BY id DESC LIMIT ?').all(user, max) as Array<{ line: string }>;
        e.history = lines.map((r) => r.line).reverse();
        const marks = db.prepare('SELECT name, target FROM bookmarks WHERE username = ? ORDER BY name LIMIT 10000').all(user) as Array<{ name: string; target: string }>;
        for (const b of marks) e.bookmarks.set(b.name, b.target);
        const aliases = db.prepare('SELECT name, command FROM aliases WHERE username = ? ORDER BY name LIMIT ?').all(user, MAX_ALIASES_LOADED) as Array<{ name: string; command: string }>;
        for (const a of aliases) e.aliases.set(a.name, a.command);
        const login = db.prepare('SELECT last_login, last_ip FROM user_logins WHERE username = ?').get(user) as { last_login: number; last_ip: string } | undefined;
        if (login) e.lastLogin = { at: login.last_login, ip: login.last_ip };
      } catch (err) {
        this.#warn(err);
      }
    }
    this.#users.set(user, e);
    return e;
  }

  #report(user: string, change: UserDataChange): void {
    this.#replica?.changed(user, change, () => this.snapshot(user));
  }

  /** The cluster's copy replaces this one, in memory and (in one transaction, only what differs) on disk. */
  #adopt(user: string, snap: UserSnapshot): void {
    const cfg = this.#config().persistence.userdata;
    const e = this.#entry(user);
    const history = snap.history.map((l) => l.slice(0, MAX_LINE_CHARS)).slice(-cfg.shell_history_max);
    const bookmarks = new Map(Object.entries(snap.bookmarks).filter(([n]) => BOOKMARK_NAME.test(n)).sort(([a], [b]) => a.localeCompare(b)).slice(0, cfg.bookmarks_max));
    const aliases = new Map(Object.entries(snap.aliases).sort(([a], [b]) => a.localeCompare(b)).slice(0, MAX_ALIASES_LOADED));
    const same = <V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
    const historyChanged = history.length !== e.history.length || history.some((l, i) => l !== e.history[i]);
    const bookmarksChanged = !same(bookmarks, e.bookmarks);
    const aliasesChanged = !same(aliases, e.aliases);
    const login = snap.lastLogin;
    const loginChanged = login !== undefined && (login.at !== e.lastLogin?.at || login.ip !== e.lastLogin.ip);
    e.history = history;
    e.bookmarks = bookmarks;
    e.aliases = aliases;
    if (login) e.lastLogin = { ...login };
    if (!historyChanged && !bookmarksChanged && !aliasesChanged && !loginChanged) return;
    const now = this.#clock.now();
    this.#write((db) => db.transaction(() => {
      if (historyChanged) {
        db.prepare('DELETE FROM shell_history WHERE username = ?').run(user);
        const insert = db.prepare('INSERT INTO shell_history (username, line, at) VALUES (?, ?, ?)');
        for (const line of history) insert.run(user, line, now);
      }
      if (bookmarksChanged) {
        db.prepare('DELETE FROM bookmarks WHERE username = ?').run(user);
        const insert = db.prepare('INSERT INTO bookmarks (username, name, target, created_at) VALUES (?, ?, ?, ?)');
        for (const [name, target] of bookmarks) insert.run(user, name, target, now);
      }
      if (aliasesChanged) {
        db.prepare('DELETE FROM aliases WHERE username = ?').run(user);
        const insert = db.prepare('INSERT INTO aliases (username, name, command, created_at) VALUES (?, ?, ?, ?)');
        for (const [name, command] of aliases) insert.run(user, name, command, now);
      }
      if (loginChanged && login) {
        db.prepare('INSERT INTO user_logins (username, last_login, last_ip) VALUES (?, ?, ?) ON CONFLICT(username) DO UPDATE SET last_login = excluded.last_login, last_ip = excluded.last_ip')
          .run(user, login.at, login.ip);
      }
    })());
  }

  #write(op: (db: Db) => void): void {
    if (!this.#db || !this.#db.open) return;
    try {
      op(this.#db);
    } catch (err) {
      this.#warn(err);
    }
  }

  #warn(err: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#log.warn(`shell history/bookmarks/aliases could not be saved: ${(err as Error).message}`);
  }
}
