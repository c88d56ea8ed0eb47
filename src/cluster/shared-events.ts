/**
 * The live event stream across nodes. Each node's bus events go out in its 100 ms batches on the
 * state channel (one `ev` change per event) and reach the other nodes' live feeds (SSE, WebSocket,
 * dashboard) naming the node they happened on. They never enter another node's bus: webhooks,
 * alerting, the audit log and metrics stay with the node where the event happened, so each fires
 * once. Bounded: an event whose text exceeds MAX_EVENT_BYTES, or past MAX_EVENTS_PER_FLUSH in one
 * interval, is not sent (and counted). Nothing is queued while Redis is away: a live feed replayed
 * late would show old events as new.
 */
import type { EventName, Sks5Event } from '../observe/events.js';
import { MAX_EVENT_FIELDS, type StateChange } from './messages.js';

/** Events one node sends per flush interval (10 000 a second); more are counted, not sent. */
export const MAX_EVENTS_PER_FLUSH = 1000;
/** Events per envelope: 200 of at most MAX_EVENT_BYTES stay under the 1 MiB message cap. */
export const EVENTS_PER_MESSAGE = 200;
/** Text in one event's fields (names and values); the largest we emit, a long deny reason, is far below. */
export const MAX_EVENT_BYTES = 4096;

export type EventChange = Extract<StateChange, { t: 'ev' }>;

/** An event as the live feed sends it when clustered: `node` names where it happened. */
export interface NodeEvent {
  readonly type: EventName;
  readonly timestamp: string;
  readonly node: string;
  readonly data: Readonly<Record<string, string | number | boolean>>;
}

/** The change announcing one event, or undefined when it is too large to share. */
export function eventChange(type: EventName, at: number, data: object): EventChange | undefined {
  const d: Record<string, string | number | boolean> = {};
  let size = 0;
  let fields = 0;
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string') size += k.length + v.length;
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') size += k.length + 8;
    else continue; // an absent optional field (undefined); EventMap has no nested values
    if (++fields > MAX_EVENT_FIELDS || size > MAX_EVENT_BYTES) return undefined;
    d[k] = v;
  }
  return { t: 'ev', ty: type, at, d };
}

/** An event another node announced, as this node's live feed sends it. */
export function nodeEvent(node: string, c: EventChange): NodeEvent {
  return { type: c.ty, timestamp: new Date(c.at).toISOString(), node, data: c.d };
}

/** This node's events of the current flush interval. */
export class EventOutbox {
  #pending: EventChange[] = [];
  #dropped = 0;

  add(e: Sks5Event, at: number): void {
    const c = this.#pending.length < MAX_EVENTS_PER_FLUSH ? eventChange(e.type, at, e.data) : undefined;
    if (c) this.#pending.push(c);
    else this.#dropped++;
  }

  /** What to send now; the outbox starts empty again. */
  take(): EventChange[] {
    const out = this.#pending;
    this.#pending = [];
    return out;
  }

  /** Events not sent (too large, or past the per-interval cap) since the last call. */
  takeDropped(): number {
    const n = this.#dropped;
    this.#dropped = 0;
    return n;
  }
}
