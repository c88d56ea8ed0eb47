/**
 * Shares client fingerprint decisions (approve, block, pending, label, delete) and first sightings
 * between nodes through Redis, the way state-sync.ts shares bans: a version ledger in memory, the
 * durable copy in the hash `<prefix>fp` written through the same compare-and-set (the store port's setIfNewer), and
 * batches on the state channel every FLUSH_MS. The accept and auth paths never wait for Redis: they
 * read the local SQLite store, into which other nodes' decisions are written as they arrive.
 *
 * Local decisions are found by reading the store's `fingerprint_events` after the last id seen
 * (one indexed query per flush), so a decision made by another process on the same file (the
 * `sshgate approve` CLI, with or without Redis) is shared too. First sightings are announced on the
 * channel only (never stored in Redis: a scanner sending random KEXINITs would fill it), so a node
 * that starts later knows a fingerprint first seen elsewhere only once it is decided or seen again.
 */
import type { Clock } from '../clock.js';
import type { FingerprintEntry, FingerprintStatus } from '../store/fingerprint-schema.js';
import type { FingerprintStore } from '../store/fingerprints.js';
import { isNewer, planVersionMerge } from './ban-versions.js';
import {
  REPLICA_WHO, changesRow, decodeFingerprintVersion, encodeFingerprintVersion, fingerprintChange, isSharedStatus,
  materialOfWire, materialToWire, versionOfChange, versionOfEvent, type FingerprintVersion,
} from './fingerprint-versions.js';
import type { ClusterKeys } from './keys.js';
import { chunkChanges, encodeEnvelope, type StateChange } from './messages.js';
import type { StoreBatch, StoreCommands } from './store.js';

/** How often the ledger is compared with Redis in full (a message missed around a reconnect). */
export const FINGERPRINT_REFRESH_MS = 10_000;
/** First sightings waiting to be announced; more (a KEXINIT flood while Redis is away) stay local. */
const MAX_PENDING_SEEN = 10_000;
/** Sightings per message: their material can be 24 KiB each, and a message must stay under 1 MiB. */
const SEEN_PER_MESSAGE = 32;
/** Events read per page, and pages per flush: a burst of CLI changes is caught up over a few flushes. */
const EVENT_PAGE = 1000;
const EVENT_PAGES = 10;

export type FingerprintChange = Extract<StateChange, { t: 'fp' | 'fp-seen' }>;

/** The store operations the sync uses (FingerprintStore implements them). */
export type FingerprintReplicaStore = Pick<FingerprintStore, 'replicateTo' | 'eventsSince' | 'decision' | 'applyReplicated' | 'insertSeen' | 'get'>;

export interface FingerprintSyncDeps {
  /** Stamped on this node's decisions. */
  node: string;
  /** Sends the envelopes (the node itself in sks5; the gate process, distinct from the CLI's, in sshgate). */
  sender: string;
  keys: ClusterKeys;
  clock: Clock;
  store: FingerprintReplicaStore;
  warn(message: string): void;
}

export class FingerprintSync {
  readonly #d: FingerprintSyncDeps;
  readonly #ledger = new Map<string, FingerprintVersion>();
  readonly #dirty = new Set<string>();
  readonly #seen = new Map<string, Extract<StateChange, { t: 'fp-seen' }>>();
  #lastEvent = 0;
  #client: StoreCommands | undefined;
  #flushing = false;
  #published = 0;

  constructor(deps: FingerprintSyncDeps) {
    this.#d = deps;
    // The whole audit trail once: it rebuilds the stamps of every decision this file has seen.
    this.#readEvents(Number.POSITIVE_INFINITY);
    this.#dirty.clear();
    deps.store.replicateTo((e) => this.announce(e));
  }

  get published(): number { return this.#published; }

  /** The ledger's view of one fingerprint (tests, diagnostics). */
  version(fp: string): FingerprintVersion | undefined { return this.#ledger.get(fp); }

  /** Redis is up (again): merge both ways by version, then let the outbox flow. */
  async resync(client: StoreCommands): Promise<void> {
    this.#client = undefined;
    this.#readEvents(EVENT_PAGES);
    await this.#merge(client);
    this.#client = client;
    await this.flush();
  }

  /** The periodic full compare: corrects a decision whose message was missed. */
  async refresh(): Promise<void> {
    const client = this.#client;
    if (client) await this.#merge(client);
  }

  detach(): void { this.#client = undefined; }

  close(): void { this.#d.store.replicateTo(undefined); }

  receive(c: FingerprintChange): void {
    if (c.t === 'fp') {
      // A decision made here a moment ago may not be in the ledger yet: read it first, or an older remote one would win.
      this.#readEvents(EVENT_PAGES);
      const v = versionOfChange(c);
      if (isNewer(v, this.#ledger.get(c.f))) this.#apply(c.f, v);
      return;
    }
    const v = this.#ledger.get(c.f);
    // A decided fingerprint's row comes from its decision; a deleted one comes back only if seen after the delete.
    if (v !== undefined && !(v.removed && v.at < c.fs)) return;
    this.#guard(() => this.#d.store.insertSeen(c.f, c.s, c.fs, c.m === undefined ? undefined : materialOfWire(c.f, c.m)));
  }

  /** Local decisions since the last flush and first sightings, in one MULTI (decisions) and the channel. */
  async flush(): Promise<void> {
    this.#readEvents(EVENT_PAGES);
    const client = this.#client;
    if (!client || this.#flushing || (this.#dirty.size === 0 && this.#seen.size === 0)) return;
    this.#flushing = true;
    const changes: StateChange[] = [];
    const multi = client.multi();
    for (const fp of this.#dirty) {
      const v = this.#ledger.get(fp);
      if (!v) continue;
      this.#write(multi, fp, v);
      changes.push(fingerprintChange(fp, v));
    }
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    const seen = [...this.#seen.values()];
    this.#seen.clear();
    this.#publish(multi, changes, seen);
    try {
      await multi.exec();
      this.#published += changes.length + seen.length;
    } catch {
      // Redis dropped mid-flush: the decisions are in the ledger and the store; the next resync merges them.
      for (const fp of dirty) this.#dirty.add(fp);
      this.#client = undefined;
    } finally {
      this.#flushing = false;
    }
  }

  async #merge(client: StoreCommands): Promise<void> {
    const entries = Object.entries(await client.hGetAll(this.#d.keys.fingerprints));
    this.#readEvents(EVENT_PAGES);
    const remote = new Map<string, { version: FingerprintVersion | undefined; raw: string }>();
    for (const [fp, raw] of entries) remote.set(fp, { version: decodeFingerprintVersion(raw), raw });
    // Decisions never expire: a tombstone must outlive every copy of the approval it undid.
    const plan = planVersionMerge(this.#ledger, remote, () => true);
    for (const [fp, v] of plan.applyLocal) this.#apply(fp, v);
    const changes: StateChange[] = [];
    const multi = client.multi();
    for (const [fp, v] of plan.push) {
      this.#write(multi, fp, v);
      changes.push(fingerprintChange(fp, v));
      this.#dirty.delete(fp);
    }
    if (changes.length === 0) return;
    this.#publish(multi, changes, []);
    await multi.exec();
    this.#published += changes.length;
  }

  #write(multi: StoreBatch, fp: string, v: FingerprintVersion): void {
    multi.setIfNewer(this.#d.keys.fingerprints, fp, encodeFingerprintVersion(v), v.at, v.node);
  }

  #publish(multi: StoreBatch, decisions: StateChange[], seen: StateChange[]): void {
    const { keys, sender } = this.#d;
    for (const chunk of chunkChanges(decisions)) multi.publish(keys.stateChannel, encodeEnvelope(sender, chunk));
    for (const chunk of chunkChanges(seen, SEEN_PER_MESSAGE)) multi.publish(keys.stateChannel, encodeEnvelope(sender, chunk));
  }

  /** Another node's decision, newer than ours: into the ledger, and into the store when it changes the row. */
  #apply(fp: string, v: FingerprintVersion): void {
    let row: ReturnType<FingerprintReplicaStore['decision']> = null;
    if (!this.#guard(() => { row = this.#d.store.decision(fp); })) return;
    // Not in the ledger unless written: the next full compare then tries again.
    if (changesRow(v, row) && !this.#guard(() => this.#d.store.applyReplicated(fp, v, `${REPLICA_WHO}${v.node}`))) return;
    this.#ledger.set(fp, v);
    this.#dirty.delete(fp);
  }

  /** Reads decisions from the events table; ours become versions to push, the others' only confirm the ledger. */
  #readEvents(pages: number): void {
    for (let page = 0; page < pages; page++) {
      let events: ReturnType<FingerprintReplicaStore['eventsSince']>;
      try {
        events = this.#d.store.eventsSince(this.#lastEvent, EVENT_PAGE);
      } catch (err) {
        this.#d.warn(`cluster: fingerprint events not read: ${(err as Error).message}`);
        return;
      }
      for (const e of events) {
        const prev = this.#ledger.get(e.fingerprint);
        let row: ReturnType<FingerprintReplicaStore['decision']> = null;
        if (!this.#guard(() => { row = this.#d.store.decision(e.fingerprint); })) return;
        this.#lastEvent = e.id;
        const v = versionOfEvent(e, prev, this.#d.node, row);
        if (v === undefined) continue;
        this.#ledger.set(e.fingerprint, v);
        if (!e.who.startsWith(REPLICA_WHO)) this.#dirty.add(e.fingerprint);
      }
      if (events.length < EVENT_PAGE) return;
    }
  }

  /** A fingerprint recorded here for the first time (also by another process on this file: a gate's worker). */
  announce(e: FingerprintEntry): void {
    if (!isSharedStatus(e.status) || e.firstSeen === null) return;
    if (this.#seen.size >= MAX_PENDING_SEEN && !this.#seen.has(e.fingerprint)) return;
    const m = materialToWire(e);
    this.#seen.set(e.fingerprint, { t: 'fp-seen', f: e.fingerprint, s: e.status as FingerprintStatus, fs: e.firstSeen, ...(m ? { m } : {}) });
  }

  /** A locked or read-only database is logged, not thrown into the Redis client's callbacks. */
  #guard(fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.#d.warn(`cluster: fingerprint store not updated: ${(err as Error).message}`);
      return false;
    }
  }
}
