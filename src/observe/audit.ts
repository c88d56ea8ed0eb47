/**
 * The audit log (`logging.audit_log_path`): one JSON object per line, `{timestamp, event_type,
 * ...fields}`, for every bus event, with the original's field names beside ours (audit-fields.ts). Writes happen off the emitting path through a bounded queue;
 * when it is nearly full, routine events are dropped first and security events keep the last
 * tenth of the room (the original's "critical events take a reserved slot"). Drops are counted.
 *
 * Rotation by size: before a write would push the file past `maxSizeBytes`, `audit.log` becomes
 * `audit.log.1`, `.1` becomes `.2`, ... and files past `maxFiles` rotated copies are deleted.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { auditFields } from './audit-fields.js';
import type { EventBus, Sks5Event } from './events.js';

export interface AuditLogOptions {
  path: string;
  maxSizeBytes: number;
  /** Rotated files kept beside the live one. */
  maxFiles: number;
  events: EventBus;
  maxQueue?: number;
  log?: { error(obj: object, msg: string): void };
}

const CRITICAL = new Set<string>([
  'auth.failure', 'acl.deny', 'connect.failed', 'connection.rejected', 'ban.created', 'ban.expired', 'ban.removed', 'config.reload',
  'quota.exceeded', 'rate_limit.exceeded', 'maintenance.toggled', 'alert.triggered',
]);
/** Field names that could only hold a secret; events never carry one, this is the second fence. */
const SECRET_KEY = /pass(word)?|secret|token|totp|private_key|authorization/i;

/** The line written for an event (without the newline). */
export function auditLine(event: Sks5Event): string {
  const fields: Record<string, unknown> = { timestamp: event.timestamp, event_type: event.type };
  for (const [k, v] of Object.entries(auditFields(event))) if (!SECRET_KEY.test(k)) fields[k] = v;
  return JSON.stringify(fields);
}

export class AuditLog {
  readonly #opts: AuditLogOptions;
  readonly #maxQueue: number;
  readonly #queue: string[] = [];
  #dropped = 0;
  #written = 0;
  #size = -1;
  #fh: FileHandle | undefined;
  #writing: Promise<void> | undefined;
  #closed = false;
  #reportedError = false;
  readonly #off: () => void;

  constructor(opts: AuditLogOptions) {
    this.#opts = opts;
    this.#maxQueue = opts.maxQueue ?? 10_000;
    this.#off = opts.events.onAny((e) => this.record(e));
  }

  /** Events dropped because the queue was full or the file could not be written. */
  get dropped(): number { return this.#dropped; }
  get written(): number { return this.#written; }

  record(event: Sks5Event): void {
    if (this.#closed) return;
    const room = CRITICAL.has(event.type) ? this.#maxQueue : Math.floor(this.#maxQueue * 0.9);
    if (this.#queue.length >= room) {
      this.#dropped += 1;
      return;
    }
    this.#queue.push(auditLine(event));
    this.#writing ??= this.#drain().finally(() => { this.#writing = undefined; });
  }

  /** Resolves once everything queued so far is on disk (or counted as dropped). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async close(): Promise<void> {
    this.#off();
    await this.flush();
    this.#closed = true;
    await this.#fh?.close();
    this.#fh = undefined;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length) {
      const batch = this.#takeBatch();
      try {
        await this.#write(batch);
        this.#written += batch.count;
      } catch (err) {
        this.#dropped += batch.count;
        await this.#fh?.close().catch(() => undefined);
        this.#fh = undefined;
        this.#size = -1;
        if (!this.#reportedError) {
          this.#reportedError = true;
          this.#opts.log?.error({ err, path: this.#opts.path }, 'audit log write failed; events are being dropped');
        }
      }
    }
  }

  /** Lines up to the room left in the current file (at least one line, so a huge line still goes out). */
  #takeBatch(): { text: string; count: number; bytes: number } {
    const room = this.#size < 0 ? this.#opts.maxSizeBytes : Math.max(0, this.#opts.maxSizeBytes - this.#size);
    let text = '';
    let bytes = 0;
    let count = 0;
    while (this.#queue.length) {
      const line = `${this.#queue[0] as string}\n`;
      const len = Buffer.byteLength(line);
      if (count > 0 && bytes + len > room) break;
      this.#queue.shift();
      text += line;
      bytes += len;
      count += 1;
      if (bytes >= room) break;
    }
    return { text, count, bytes };
  }

  async #write(batch: { text: string; bytes: number }): Promise<void> {
    if (!this.#fh) await this.#open();
    if (this.#size > 0 && this.#size + batch.bytes > this.#opts.maxSizeBytes) await this.#rotate();
    await (this.#fh as FileHandle).appendFile(batch.text);
    this.#size += batch.bytes;
  }

  async #open(): Promise<void> {
    this.#fh = await open(this.#opts.path, 'a', 0o600);
    this.#size = (await stat(this.#opts.path)).size;
  }

  async #rotate(): Promise<void> {
    await this.#fh?.close();
    this.#fh = undefined;
    const p = this.#opts.path;
    await rm(`${p}.${this.#opts.maxFiles}`, { force: true });
    for (let i = this.#opts.maxFiles - 1; i >= 1; i -= 1) {
      await rename(`${p}.${i}`, `${p}.${i + 1}`).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });
    }
    await rename(p, `${p}.1`);
    await this.#open();
  }
}

export function createAuditLog(opts: AuditLogOptions): AuditLog {
  return new AuditLog(opts);
}
