/**
 * Shell history, bookmarks, aliases and the last login, shared so a user sees the same on every
 * node. Redis holds each user's copy (keys.ts: a sorted set of history lines by when they were
 * typed, one hash for the rest); every change is written through at once (one MULTI, no wait);
 * a login reads the copy in one round trip bounded by READ_TIMEOUT_MS and falls back to the
 * node's own copy (src/store/userdata.ts, kept on disk) when Redis is away or slow.
 *
 * Why a read at login rather than replicating on the state channel: a user's history can be
 * 10 000 lines of 4 KiB; pushing every line into every node's SQLite multiplies writes by the
 * number of nodes, and a node that was down would need a catch-up protocol. A login already costs
 * an SSH handshake; one Redis round trip (well under a millisecond on a LAN) is noise beside it.
 *
 * A change Redis did not take (away, or failed) marks the user: their next login on this node, or
 * next change while Redis is up, writes this node's whole copy over the cluster's unless the
 * cluster's copy changed later (each copy carries `v`, the time of its last change): last writer
 * wins per user, so what was typed during an outage on the node used last is kept. A user Redis has nothing for
 * (first start with a cluster, or Redis restarted empty) is seeded from the node they log in to.
 * Redis back empty while users are in their shells: each node finds its own mark gone from
 * `<prefix>u:nodes` when it reconnects and treats every user it holds as not taken, so the next
 * change writes their whole copy, not one line onto an empty history.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { BOOKMARK_NAME, MAX_ALIASES_LOADED, MAX_LINE_CHARS, type LastLogin, type UserDataChange, type UserDataReplica, type UserSnapshot } from '../store/userdata.js';
import type { ClusterKeys } from './keys.js';
import type { StoreBatch, StoreCommands } from './store.js';
import { CappedMap } from '../policy/rate.js';

/** How long a login waits for the cluster's copy before using the node's own. */
export const READ_TIMEOUT_MS = 250;

export interface UserDataSyncDeps {
  node: string;
  keys: ClusterKeys;
  config: () => Config;
  clock: Clock;
  /** The store while it is up, else undefined. */
  store: () => StoreCommands | undefined;
  /** Users whose data this node holds in memory (after Redis lost everything, they are sent again). */
  knownUsers: () => Iterable<string>;
  warn(message: string): void;
}

/** A history member: unique per line typed (node and a counter), the line last. */
export function historyMember(node: string, seq: number, line: string): string {
  return JSON.stringify([node, seq, line]);
}

/** The line of a history member, or undefined when it is not one of ours. */
export function historyLine(member: string): string | undefined {
  try {
    const v: unknown = JSON.parse(member);
    return Array.isArray(v) && v.length === 3 && typeof v[2] === 'string' ? v[2].slice(0, MAX_LINE_CHARS) : undefined;
  } catch {
    return undefined;
  }
}

/** A user's copy from what Redis returned, bounded by the same limits as the local store. */
export function decodeUser(members: ReadonlyArray<{ value: string }>, hash: Readonly<Record<string, string>>, limits: { historyMax: number; bookmarksMax: number }): UserSnapshot {
  const history: string[] = [];
  for (const m of members.slice(-limits.historyMax)) {
    const line = historyLine(m.value);
    if (line !== undefined) history.push(line);
  }
  const bookmarks: Record<string, string> = {};
  const aliases: Record<string, string> = {};
  let lastLogin: LastLogin | undefined;
  for (const [field, value] of Object.entries(hash).sort(([a], [b]) => a.localeCompare(b))) {
    if (field.startsWith('b:')) {
      const name = field.slice(2);
      if (BOOKMARK_NAME.test(name) && Object.keys(bookmarks).length < limits.bookmarksMax) bookmarks[name] = value.slice(0, MAX_LINE_CHARS);
    } else if (field.startsWith('a:')) {
      const name = field.slice(2);
      if (name.length > 0 && name.length <= 64 && Object.keys(aliases).length < MAX_ALIASES_LOADED) aliases[name] = value.slice(0, MAX_LINE_CHARS);
    } else if (field === 'login') {
      lastLogin = decodeLogin(value);
    }
  }
  return { history, bookmarks, aliases, lastLogin };
}

function decodeLogin(raw: string): LastLogin | undefined {
  try {
    const o = JSON.parse(raw) as { at?: unknown; ip?: unknown };
    return typeof o.at === 'number' && Number.isFinite(o.at) && typeof o.ip === 'string' ? { at: o.at, ip: o.ip.slice(0, 64) } : undefined;
  } catch {
    return undefined;
  }
}

/** When the copy in Redis was last changed (its `v` field), 0 when unknown. */
function version(hash: Readonly<Record<string, string>>): number {
  const v = Number(hash['v']);
  return Number.isFinite(v) ? v : 0;
}

function isEmpty(s: UserSnapshot): boolean {
  return s.history.length === 0 && Object.keys(s.bookmarks).length === 0 && Object.keys(s.aliases).length === 0 && s.lastLogin === undefined;
}

export class UserDataSync implements UserDataReplica {
  readonly #d: UserDataSyncDeps;
  /** Users whose changes Redis did not take: the next write of theirs sends the whole copy. */
  readonly #behind = new Set<string>();
  /** Lines appended per user since Redis' set was last trimmed. */
  readonly #untrimmed = new Map<string, number>();
  /** When this node last changed each user's data (the `v` it writes beside the data). */
  readonly #changedAt: CappedMap<string, number>;
  #seq = 0;
  #behindFullWarned = false;

  constructor(deps: UserDataSyncDeps) {
    this.#d = deps;
    this.#changedAt = new CappedMap(() => deps.config().security.rate_limit_max_users);
  }

  /** After every (re)connect: if Redis no longer has this node's mark, it lost what this node had sent. */
  async resync(store: StoreCommands): Promise<void> {
    const { keys, node } = this.#d;
    const marks = await store.hGetAll(keys.userDataNodes);
    if (marks[node] !== undefined) return;
    for (const user of this.#d.knownUsers()) this.#markBehind(user);
    await store.multi().hSet(keys.userDataNodes, node, '1').exec();
  }

  changed(user: string, change: UserDataChange, local: () => UserSnapshot): void {
    const at = this.#d.clock.now();
    const before = this.#changedAt.get(user) ?? 0;
    this.#changedAt.set(user, at);
    const store = this.#d.store();
    if (!store) { this.#markBehind(user); return; }
    if (this.#behind.has(user)) { void this.#catchUp(store, user, before, change, at, local); return; }
    this.#send(store, user, change, at);
  }

  /** A change of a user Redis is behind on: our whole copy, unless another node wrote a newer one meanwhile. */
  async #catchUp(store: StoreCommands, user: string, before: number, change: UserDataChange, at: number, local: () => UserSnapshot): Promise<void> {
    let theirs: number;
    try {
      theirs = version(await store.hGetAll(this.#d.keys.userData(user)));
    } catch {
      return; // still behind: the next change or login tries again
    }
    if (theirs > before) { this.#behind.delete(user); this.#send(store, user, change, at); } else this.#pushAll(store, user, local());
  }

  #send(store: StoreCommands, user: string, change: UserDataChange, at: number): void {
    const { keys } = this.#d;
    const b = store.multi().hSet(keys.userData(user), 'v', String(at));
    switch (change.k) {
      case 'history':
        b.zAdd(keys.userHistory(user), [{ score: change.at, value: historyMember(this.#d.node, ++this.#seq, change.line) }]);
        break;
      case 'history-clear':
        b.del(keys.userHistory(user));
        this.#untrimmed.delete(user);
        break;
      case 'bookmark':
        if (change.target === undefined) b.hDel(keys.userData(user), `b:${change.name}`);
        else b.hSet(keys.userData(user), `b:${change.name}`, change.target);
        break;
      case 'alias':
        if (change.command === undefined) b.hDel(keys.userData(user), `a:${change.name}`);
        else b.hSet(keys.userData(user), `a:${change.name}`, change.command);
        break;
      case 'login':
        b.hSet(keys.userData(user), 'login', JSON.stringify(change.login));
        break;
    }
    b.exec().catch(() => this.#markBehind(user));
    if (change.k === 'history') this.#countAppend(store, user);
  }

  async load(user: string, local: () => UserSnapshot): Promise<UserSnapshot | undefined> {
    const store = this.#d.store();
    if (!store) return undefined;
    const { keys } = this.#d;
    // Issued in the same tick, the two commands share one round trip on the connection.
    const read = Promise.all([store.zRangeWithScores(keys.userHistory(user)), store.hGetAll(keys.userData(user))]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), READ_TIMEOUT_MS); });
    let got: Awaited<typeof read> | undefined;
    try {
      got = await Promise.race([read, late]);
    } catch {
      got = undefined;
    } finally {
      clearTimeout(timer);
    }
    read.catch(() => undefined);
    if (!got) return undefined;
    const [members, hash] = got;
    if (this.#behind.has(user)) {
      // Last writer wins per user, by the time of the last change: ours, or a newer copy from another node.
      if (version(hash) <= (this.#changedAt.get(user) ?? 0)) { this.#pushAll(store, user, local()); return undefined; }
      this.#behind.delete(user);
    }
    const cfg = this.#d.config().persistence.userdata;
    const snap = decodeUser(members, hash, { historyMax: cfg.shell_history_max, bookmarksMax: cfg.bookmarks_max });
    if (isEmpty(snap)) {
      const mine = local();
      if (!isEmpty(mine)) this.#pushAll(store, user, mine);
      return undefined;
    }
    this.#trim(store, user, members);
    return snap;
  }

  /** This node's whole copy replaces the cluster's (after missed writes, or to seed an empty Redis). */
  #pushAll(store: StoreCommands, user: string, s: UserSnapshot): void {
    const { keys, clock, node } = this.#d;
    const now = clock.now();
    const b: StoreBatch = store.multi().del([keys.userHistory(user), keys.userData(user)])
      .hSet(keys.userData(user), 'v', String(this.#changedAt.get(user) ?? now));
    // The local copy has no times in memory: spread the lines over the last milliseconds, in order.
    if (s.history.length > 0) b.zAdd(keys.userHistory(user), s.history.map((line, i) => ({ score: now - s.history.length + i, value: historyMember(node, ++this.#seq, line) })));
    for (const [name, target] of Object.entries(s.bookmarks)) b.hSet(keys.userData(user), `b:${name}`, target);
    for (const [name, command] of Object.entries(s.aliases)) b.hSet(keys.userData(user), `a:${name}`, command);
    if (s.lastLogin) b.hSet(keys.userData(user), 'login', JSON.stringify(s.lastLogin));
    this.#behind.delete(user);
    this.#untrimmed.delete(user);
    b.exec().catch(() => this.#markBehind(user));
  }

  /** Every shell_history_max appends, cut Redis' set back to the newest shell_history_max lines. */
  #countAppend(store: StoreCommands, user: string): void {
    const n = (this.#untrimmed.get(user) ?? 0) + 1;
    const max = this.#d.config().persistence.userdata.shell_history_max;
    if (n < max) { this.#untrimmed.set(user, n); return; }
    this.#untrimmed.delete(user);
    store.zRangeWithScores(this.#d.keys.userHistory(user)).then((members) => this.#trim(store, user, members)).catch(() => undefined);
  }

  #trim(store: StoreCommands, user: string, members: ReadonlyArray<{ score: number }>): void {
    const max = this.#d.config().persistence.userdata.shell_history_max;
    if (members.length <= max) return;
    const cut = members[members.length - max - 1]!.score;
    // Lines typed in the same millisecond as the cut stay (removing by score would take the kept one too).
    if (members[members.length - max]!.score === cut) return;
    store.multi().zRemRangeByScore(this.#d.keys.userHistory(user), '-inf', cut).exec().catch(() => undefined);
  }

  #markBehind(user: string): void {
    if (this.#behind.has(user)) return;
    if (this.#behind.size >= this.#d.config().security.rate_limit_max_users) {
      if (!this.#behindFullWarned) {
        this.#behindFullWarned = true;
        this.#d.warn('cluster: too many users with shell data Redis has not taken; changes of the others made meanwhile may stay on this node');
      }
      return;
    }
    this.#behind.add(user);
  }
}
