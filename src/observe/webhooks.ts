/**
 * Webhook delivery, off the hot path: bus events are filtered, formatted and queued (bounded;
 * overflow is counted, never buffered without limit), then POSTed by at most `maxConcurrent`
 * workers with exponential retry on network errors, 429 and 5xx.
 *
 * SSRF: the host is resolved once, every address is checked, and the request connects to the
 * checked address (a pinned `lookup`) with the Host header and TLS servername still naming the
 * host. A DNS answer that changes between the check and the connect cannot redirect a webhook.
 *
 * Signing, when `secret` is set: `X-Signature-256: sha256=<hex HMAC(secret, body)>` (the
 * original's header), plus `X-Sks5-Signature: sha256=<hex HMAC(secret, "<ts>.<delivery>.<body>")>`
 * covering `X-Sks5-Timestamp` and `X-Sks5-Delivery`, so a receiver can refuse replays.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Clock } from '../clock.js';
import type { WebhookConfig } from '../config/schema.js';
import { isForbiddenAddress } from '../policy/ssrf.js';
import { VERSION } from '../version.js';
import type { EventBus, Sks5Event } from './events.js';
import { compileEventFilter, formatBody, templateProblem, type EventFilter } from './webhook-formats.js';

export interface WebhookLog {
  warn(obj: object, msg: string): void;
}

export interface WebhookDispatcherOptions {
  webhooks: readonly WebhookConfig[];
  clock: Clock;
  /** When given, every bus event is offered to every webhook (subject to its filter). */
  events?: EventBus;
  log?: WebhookLog;
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
  isForbidden?: (ip: string) => boolean;
  /** Deliveries waiting, running or between retries; more are dropped and counted. */
  maxPending?: number;
  maxConcurrent?: number;
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
}

export interface WebhookStats { delivered: number; failed: number; dropped: number; refused: number; pending: number }

export interface WebhookDispatcher {
  dispatch(event: Sks5Event): void;
  /** Delivers to one URL regardless of filters (alert rules' webhook_url). */
  deliverTo(url: string, event: Sks5Event): void;
  stats(): WebhookStats;
  /** Resolves when nothing is pending (tests, graceful shutdown). */
  idle(): Promise<void>;
  close(): void;
}

interface Hook { config: WebhookConfig; filter: EventFilter }
interface Job { hook: Hook; event: Sks5Event; body: string; delivery: string; attempt: number }

const DEFAULTS = { format: 'generic', events: [], allow_private_ips: false, max_retries: 3, retry_delay_ms: 1000, max_retry_delay_ms: 30000 } as const;
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Only scheme://host:port in logs: Slack and Discord webhook URLs carry their secret in the path. */
export function redactUrl(url: string): string {
  try { return new URL(url).origin; } catch { return '<invalid url>'; }
}

export function sign(secret: string, payload: string): string {
  return `sha256=${createHmac('sha256', secret).update(payload, 'utf8').digest('hex')}`;
}

export function createWebhookDispatcher(opts: WebhookDispatcherOptions): WebhookDispatcher {
  const hooks: Hook[] = opts.webhooks.map((config) => {
    const filter = compileEventFilter(config.events);
    if (filter.unknown.length) opts.log?.warn({ webhook: redactUrl(config.url), unknown: filter.unknown }, 'webhook events filter names events that are never emitted');
    if (config.format === 'custom') {
      const problem = config.template === undefined ? 'format = "custom" needs a template; sending the generic body' : templateProblem(config.template);
      if (problem) opts.log?.warn({ webhook: redactUrl(config.url) }, problem);
    }
    return { config, filter };
  });
  const resolve = opts.resolve ?? ((host: string) => dnsLookup(host, { all: true, verbatim: true }));
  const forbidden = opts.isForbidden ?? ((ip: string) => isForbiddenAddress(ip).forbidden);
  const maxPending = opts.maxPending ?? 1000;
  const maxConcurrent = opts.maxConcurrent ?? 100;
  const stats = { delivered: 0, failed: 0, dropped: 0, refused: 0 };
  const queue: Job[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let pending = 0;
  let active = 0;
  let closed = false;
  let idleWaiters: Array<() => void> = [];

  const settle = (): void => {
    pending -= 1;
    if (pending === 0) { const w = idleWaiters; idleWaiters = []; for (const f of w) f(); }
  };
  const pump = (): void => {
    while (!closed && active < maxConcurrent && queue.length) {
      const job = queue.shift() as Job;
      active += 1;
      void attempt(job).finally(() => { active -= 1; pump(); });
    }
  };
  const enqueue = (hook: Hook, event: Sks5Event): void => {
    if (closed) return;
    if (pending >= maxPending) { stats.dropped += 1; return; }
    pending += 1;
    queue.push({ hook, event, body: formatBody(hook.config.format, event, hook.config.template), delivery: randomUUID(), attempt: 0 });
    pump();
  };

  async function attempt(job: Job): Promise<void> {
    const cfg = job.hook.config;
    let outcome: 'ok' | 'retry' | 'fail' | 'refused';
    let detail = '';
    try {
      const status = await post(job);
      outcome = status >= 200 && status < 300 ? 'ok' : status === 429 || status >= 500 ? 'retry' : 'fail';
      detail = `HTTP ${status}`;
    } catch (err) {
      if (err instanceof RefusedError) { outcome = 'refused'; detail = err.message; } else { outcome = 'retry'; detail = (err as Error).message; }
    }
    if (outcome === 'ok') { stats.delivered += 1; return settle(); }
    if (outcome === 'retry' && job.attempt < cfg.max_retries && !closed) {
      const delay = Math.min(cfg.retry_delay_ms * 2 ** job.attempt, cfg.max_retry_delay_ms);
      const timer = setTimeout(() => { timers.delete(timer); queue.push({ ...job, attempt: job.attempt + 1 }); pump(); }, delay);
      timers.add(timer);
      return;
    }
    if (outcome === 'refused') stats.refused += 1; else stats.failed += 1;
    opts.log?.warn({ webhook: redactUrl(cfg.url), event: job.event.type, attempts: job.attempt + 1, detail }, 'webhook delivery failed');
    settle();
  }

  async function post(job: Job): Promise<number> {
    const cfg = job.hook.config;
    let url: URL;
    try { url = new URL(cfg.url); } catch { throw new RefusedError('invalid URL'); }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedError(`unsupported scheme ${url.protocol}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
    const first = addresses[0];
    if (!first) throw new Error(`${host} has no address`);
    if (!cfg.allow_private_ips) {
      const bad = addresses.find((a) => forbidden(a.address));
      if (bad) throw new RefusedError(`${host} resolves to ${bad.address}, a private or reserved address (allow_private_ips = false)`);
    }
    const pinned: LookupFunction = (_name, options, cb) => {
      const o = options as { all?: boolean };
      if (o.all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [first]);
      else cb(null, first.address, first.family);
    };
    const ts = String(Math.floor(opts.clock.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(job.body)),
      'user-agent': `sks5-webhook/${VERSION}`,
      'x-sks5-event': job.event.type,
      'x-sks5-delivery': job.delivery,
      'x-sks5-timestamp': ts,
    };
    if (cfg.secret) {
      headers['x-signature-256'] = sign(cfg.secret, job.body);
      headers['x-sks5-signature'] = sign(cfg.secret, `${ts}.${job.delivery}.${job.body}`);
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolveStatus, reject) => {
      const req = send(url, { method: 'POST', headers, lookup: pinned, timeout: opts.connectTimeoutMs ?? 5000, signal: AbortSignal.timeout(opts.totalTimeoutMs ?? 10_000), ...(url.protocol === 'https:' ? { servername: isIP(host) ? '' : host } : {}) }, (res: IncomingMessage) => {
        let seen = 0;
        res.on('data', (chunk: Buffer) => { seen += chunk.length; if (seen > MAX_RESPONSE_BYTES) res.destroy(); });
        res.on('end', () => resolveStatus(res.statusCode ?? 0));
        res.on('close', () => resolveStatus(res.statusCode ?? 0));
        res.on('error', () => resolveStatus(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(job.body);
    });
  }

  const off = opts.events?.onAny((event) => {
    for (const hook of hooks) if (hook.filter.matches(event.type)) enqueue(hook, event);
  });

  return {
    dispatch(event) {
      for (const hook of hooks) if (hook.filter.matches(event.type)) enqueue(hook, event);
    },
    deliverTo(url, event) {
      const known = hooks.find((h) => h.config.url === url);
      enqueue(known ?? { config: { ...DEFAULTS, events: [], url }, filter: compileEventFilter([]) }, event);
    },
    stats: () => ({ ...stats, pending }),
    idle: () => (pending === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r))),
    close() {
      closed = true;
      off?.();
      for (const t of timers) clearTimeout(t);
      stats.dropped += queue.length + timers.size;
      timers.clear();
      queue.length = 0;
      pending = active;
      if (pending === 0) { const w = idleWaiters; idleWaiters = []; for (const f of w) f(); }
    },
  };
}

class RefusedError extends Error {}
