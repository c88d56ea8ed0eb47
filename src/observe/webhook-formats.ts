/**
 * Webhook event filters and payload bodies (generic, Slack, Discord, custom template): pure
 * functions from an event to bytes, so every format is pinned by unit tests.
 *
 * Filters accept the dotted names we emit (`auth.failure`), their underscore spellings
 * (`auth_failure`), the original's documented names (`connection_open`, `connection_close`,
 * `ban` = every ban.* event) and `prefix.*` / `*` wildcards. The original compared its documented
 * names against the dotted ones it emitted, so any filter silenced the webhook.
 */
import { auditFields } from './audit-fields.js';
import type { EventName, Sks5Event } from './events.js';

const ALL_EVENTS: Record<EventName, true> = {
  'auth.success': true, 'auth.failure': true, 'connection.new': true, 'connection.closed': true, 'proxy.start': true,
  'proxy.complete': true, 'acl.deny': true, 'connect.failed': true, 'connection.rejected': true, 'ban.created': true, 'ban.expired': true,
  'ban.removed': true, 'quota.exceeded': true, 'rate_limit.exceeded': true, 'session.authenticated': true,
  'session.ended': true, 'config.reload': true, 'maintenance.toggled': true, 'alert.triggered': true, 'fingerprint.seen': true,
};
export const EVENT_NAMES = Object.keys(ALL_EVENTS) as EventName[];

const LEGACY_NAMES: Record<string, string> = {
  connection_open: 'connection.new',
  connection_close: 'connection.closed',
  ban: 'ban.*',
};

export interface EventFilter {
  matches(type: string): boolean;
  /** Filter entries that match no event we emit (reported at startup, not silently ignored). */
  readonly unknown: readonly string[];
}

export function compileEventFilter(names: readonly string[]): EventFilter {
  if (names.length === 0) return { matches: () => true, unknown: [] };
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const unknown: string[] = [];
  let all = false;
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    const canonical = LEGACY_NAMES[name] ?? EVENT_NAMES.find((e) => e === name || e.replace('.', '_') === name) ?? name;
    if (canonical === '*') all = true;
    else if (canonical.endsWith('.*') && EVENT_NAMES.some((e) => e.startsWith(canonical.slice(0, -1)))) prefixes.push(canonical.slice(0, -1));
    else if ((EVENT_NAMES as string[]).includes(canonical)) exact.add(canonical);
    else unknown.push(raw);
  }
  return { matches: (type) => all || exact.has(type) || prefixes.some((p) => type.startsWith(p)), unknown };
}

type Data = Record<string, unknown>;
const MAX_FIELD = 256;

function s(v: unknown): string {
  const text = v === undefined || v === null ? '?' : String(v);
  return text.length > MAX_FIELD ? `${text.slice(0, MAX_FIELD)}…` : text;
}

/** One line saying what happened, for chat messages and `{summary}`. */
export function summarize(event: Sks5Event): string {
  const d = event.data as Data;
  const target = `${s(d['target_host'])}:${s(d['target_port'])}`;
  switch (event.type) {
    case 'auth.success': return `${s(d['username'])} authenticated from ${s(d['source_ip'])} (${s(d['method'])}, ${s(d['protocol'])})`;
    case 'auth.failure': return `authentication failed for ${s(d['username'])} from ${s(d['source_ip'])} (${s(d['method'])}): ${s(d['reason'])}`;
    case 'connection.new': return `${s(d['protocol'])} connection from ${s(d['source_ip'])}:${s(d['source_port'])}`;
    case 'connection.closed': return `${s(d['protocol'])} connection from ${s(d['source_ip'])} closed after ${Math.round(Number(d['duration_ms']) / 1000)}s`;
    case 'proxy.start': return `${s(d['username'])} opened ${target}`;
    case 'proxy.complete': return `${s(d['username'])} closed ${target} (${s(d['bytes_up'])} bytes up, ${s(d['bytes_down'])} down)`;
    case 'acl.deny': return `${s(d['username'])} denied ${target}: ${s(d['reason'])}`;
    case 'connect.failed': return `${s(d['username'])} could not reach ${target}: ${s(d['reason'])}`;
    case 'connection.rejected': return `${s(d['source_ip'])} rejected: ${s(d['reason'])}`;
    case 'ban.created': return `${s(d['ip'])} banned for ${s(d['duration_secs'])}s: ${s(d['reason'])}`;
    case 'ban.expired': return `ban on ${s(d['ip'])} expired`;
    case 'ban.removed': return `${s(d['ip'])} unbanned by ${s(d['by'])}`;
    case 'quota.exceeded': return `${s(d['username'])} exceeded ${s(d['quota'])} (${s(d['used'])} of ${s(d['limit'])})`;
    case 'rate_limit.exceeded': return `rate limit ${s(d['limit'])} hit by ${s(d['username'] ?? d['source_ip'])}`;
    case 'session.authenticated': return `${s(d['username'])} logged in from ${s(d['source_ip'])} (${s(d['protocol'])})`;
    case 'session.ended': return `${s(d['username'])} logged out after ${Math.round(Number(d['duration_ms']) / 1000)}s`;
    case 'config.reload': return d['success'] ? `config reloaded (${s(d['users_count'])} users)` : `config reload failed: ${s(d['error'])}`;
    case 'maintenance.toggled': return `maintenance ${d['enabled'] ? 'on' : 'off'} (${s(d['source'])})`;
    case 'alert.triggered': return `alert ${s(d['alert'])}: ${s(d['condition'])} at ${s(d['value'])} (threshold ${s(d['threshold'])})${d['username'] ? ` for ${s(d['username'])}` : ''}`;
    case 'fingerprint.seen': return `${s(d['status'])} SSH client ${s(d['fingerprint'])} from ${s(d['source_ip'])}`;
  }
}

type Severity = 'bad' | 'good' | 'warn' | 'info';
function severity(event: Sks5Event): Severity {
  switch (event.type) {
    case 'auth.failure': case 'acl.deny': case 'connection.rejected': case 'ban.created': case 'quota.exceeded':
    case 'rate_limit.exceeded': case 'alert.triggered': return 'bad';
    case 'connect.failed': return 'warn';
    case 'auth.success': case 'session.authenticated': case 'ban.removed': case 'ban.expired': return 'good';
    case 'maintenance.toggled': return 'warn';
    case 'config.reload': return event.data.success ? 'good' : 'bad';
    default: return 'info';
  }
}
const EMOJI: Record<Severity, string> = { bad: '\u{1F534}', good: '\u{2705}', warn: '\u{26A0}\u{FE0F}', info: '\u{2139}\u{FE0F}' };
/** Discord embed colours: red, green, yellow, blurple. */
const COLOR: Record<Severity, number> = { bad: 0xed4245, good: 0x57f287, warn: 0xfee75c, info: 0x5865f2 };

/** Slack treats <...> as links and mentions (<!channel>): a username must not be able to ping anyone. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function genericBody(event: Sks5Event): unknown {
  return { event_type: event.type, timestamp: event.timestamp, data: { event_type: event.type, timestamp: event.timestamp, ...auditFields(event) } };
}

export function slackBody(event: Sks5Event): unknown {
  const emoji = EMOJI[severity(event)];
  const summary = slackEscape(summarize(event));
  return {
    text: `${emoji} [sks5] ${event.type}: ${summary}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${emoji} ${event.type}` } },
      { type: 'section', text: { type: 'mrkdwn', text: summary } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `sks5 | ${event.timestamp}` }] },
    ],
  };
}

export function discordBody(event: Sks5Event): unknown {
  const d = event.data as Data;
  const fields: Array<{ name: string; value: string; inline: boolean }> = [];
  if (d['username'] !== undefined) fields.push({ name: 'User', value: s(d['username']), inline: true });
  const ip = d['source_ip'] ?? d['ip'];
  if (ip !== undefined) fields.push({ name: 'IP', value: s(ip), inline: true });
  if (d['target_host'] !== undefined) fields.push({ name: 'Target', value: `${s(d['target_host'])}:${s(d['target_port'])}`, inline: true });
  return {
    embeds: [{ title: event.type, description: summarize(event), color: COLOR[severity(event)], fields, timestamp: event.timestamp, footer: { text: 'sks5' } }],
    // Embeds do not ping, but a content field added later would: refuse every mention up front.
    allowed_mentions: { parse: [] },
  };
}

/** JSON-string escaping without the quotes, so a placeholder inside "..." stays valid JSON. */
function jsonEscape(value: unknown): string {
  return JSON.stringify(value === undefined || value === null ? '' : String(value)).slice(1, -1);
}

export function renderTemplate(template: string, event: Sks5Event): string {
  const d = event.data as Data;
  const values: Record<string, () => string> = {
    event_type: () => jsonEscape(event.type),
    timestamp: () => jsonEscape(event.timestamp),
    username: () => jsonEscape(d['username']),
    source_ip: () => jsonEscape(d['source_ip'] ?? d['ip']),
    target_host: () => jsonEscape(d['target_host']),
    summary: () => jsonEscape(summarize(event)),
    data_json: () => JSON.stringify(auditFields(event)),
  };
  // One pass over the template: a value containing "{summary}" is never expanded again.
  return template.replace(/\{(event_type|timestamp|username|source_ip|target_host|summary|data_json)\}/g, (_m, key: string) => values[key]?.() ?? '');
}

/** Why a custom template would not produce JSON, checked once at startup with a sample event. */
export function templateProblem(template: string): string | undefined {
  const sample: Sks5Event = { type: 'auth.failure', timestamp: '2026-01-01T00:00:00.000Z', data: { username: 'a"b\\c', source_ip: '192.0.2.1', method: 'password', protocol: 'ssh', conn_id: 'c', reason: 'r' } };
  try {
    JSON.parse(renderTemplate(template, sample));
    return undefined;
  } catch (err) {
    return `template does not render to JSON: ${(err as Error).message}`;
  }
}

export type WebhookFormat = 'generic' | 'slack' | 'discord' | 'custom';

/** The raw request body for a webhook; the signature is computed over exactly these bytes. */
export function formatBody(format: WebhookFormat, event: Sks5Event, template?: string): string {
  switch (format) {
    case 'slack': return JSON.stringify(slackBody(event));
    case 'discord': return JSON.stringify(discordBody(event));
    case 'custom': return template === undefined ? JSON.stringify(genericBody(event)) : renderTemplate(template, event);
    default: return JSON.stringify(genericBody(event));
  }
}
