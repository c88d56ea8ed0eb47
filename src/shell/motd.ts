/**
 * Message of the day: a template with `{variable}` placeholders and `{green}`...`{reset}` colour
 * tags, rendered in one pass (a value containing `{user}` is printed, never expanded again).
 *
 * Colours: the tags become ANSI codes when colours are on and vanish when off; raw ANSI escapes
 * written in the template itself pass through when colours are on and are stripped when off.
 * Visibility: a `shell_permissions` flag set to false blanks its placeholders, and a template line
 * whose placeholders were all blanked is dropped, so no dangling "Role:" label is left behind.
 */
import type { MotdConfig, ShellPermissions } from '../config/schema.js';
import type { EffectiveUser } from '../config/users.js';
import { ANSI, palette, printable, stripAnsi } from './ansi.js';
import type { ShellSettings } from './settings.js';
import { formatBytes, formatDuration, formatKbps, formatTimestamp } from './units.js';

export interface MotdValues {
  readonly user: string;
  readonly hostname: string;
  readonly authMethod: string;
  readonly sourceIp: string;
  readonly connections: number;
  readonly aclPolicy: 'allow' | 'deny';
  readonly allowed: readonly string[];
  readonly denied: readonly string[];
  /** ms since epoch; undefined = never expires. */
  readonly expiresAt: number | undefined;
  /** Bytes relayed today. */
  readonly bandwidthUsed: number;
  /** The user's throughput cap (`max_bandwidth_kbps`); 0 = unlimited. */
  readonly bandwidthLimitKbps: number;
  /** The previous login, ms since epoch; undefined = first login. */
  readonly lastLogin: number | undefined;
  readonly uptimeSecs: number;
  readonly version: string;
  readonly group: string | undefined;
  readonly role: string;
  /** For the "expires soon" highlight. */
  readonly now: number;
}

export const DEFAULT_MOTD_TEMPLATE = [
  '{bold}sks5 {version}{reset} on {hostname}: welcome, {user}.',
  '  Role: {role}',
  '  Group: {group}',
  '  Signed in with {auth_method} from {source_ip}',
  '  Last login: {last_login}',
  '  Active connections: {connections}',
  '  ACL: default {acl_policy}; allow {allowed}; deny {denied}',
  '  Traffic today: {bandwidth_used} (rate cap {bandwidth_limit})',
  '  Account expires: {expires_at}',
  '  Server uptime: {uptime}',
  "Type 'help' for the commands of this restricted shell.",
  '',
].join('\n');

export const MOTD_VARIABLES = [
  'user', 'hostname', 'auth_method', 'source_ip', 'connections', 'acl_policy', 'allowed', 'denied', 'expires_at',
  'bandwidth_used', 'bandwidth_limit', 'last_login', 'uptime', 'version', 'group', 'role',
] as const;
export type MotdVariable = (typeof MOTD_VARIABLES)[number];

/** Which permission flag hides which placeholder; `user`, `hostname` and `version` are always shown. */
const VISIBILITY: Readonly<Partial<Record<MotdVariable, readonly (keyof ShellPermissions)[]>>> = {
  role: ['show_role'],
  group: ['show_group'],
  expires_at: ['show_expires'],
  source_ip: ['show_source_ip'],
  auth_method: ['show_auth_method'],
  uptime: ['show_uptime'],
  bandwidth_used: ['show_quota', 'show_bandwidth'],
  bandwidth_limit: ['show_quota', 'show_bandwidth'],
  acl_policy: ['show_acl'],
  allowed: ['show_acl'],
  denied: ['show_acl'],
  connections: ['show_connections'],
  last_login: ['show_history'],
};

const COLOR_TAGS: Readonly<Record<string, string>> = { ...ANSI };
const WEEK_MS = 7 * 86400_000;

export interface MotdChoice {
  readonly enabled: boolean;
  readonly colors: boolean;
  readonly template: string;
}

/**
 * User/group `[motd]` replaces the global one whole (as the original does); the template falls
 * back to the global template, then `server.motd_path`, then the built-in one.
 */
export function chooseMotd(settings: ShellSettings, user: EffectiveUser): MotdChoice {
  const own: MotdConfig | undefined = user.motd;
  const cfg = own ?? settings.motd;
  const template = own?.template ?? settings.motd.template ?? settings.motdFileTemplate ?? DEFAULT_MOTD_TEMPLATE;
  return { enabled: cfg.enabled, colors: cfg.colors && user.colors, template };
}

function values(v: MotdValues, colors: boolean): Record<MotdVariable, string> {
  const p = palette(colors);
  const list = (rules: readonly string[], style: 'green' | 'red'): string =>
    rules.length === 0 ? 'none' : rules.map((r) => p.paint(style, printable(r))).join(', ');
  const expiresSoon = v.expiresAt !== undefined && v.expiresAt - v.now < WEEK_MS;
  return {
    user: p.paint(['bold', 'cyan'], printable(v.user)),
    hostname: printable(v.hostname),
    auth_method: printable(v.authMethod),
    source_ip: printable(v.sourceIp),
    connections: String(v.connections),
    acl_policy: p.paint(v.aclPolicy === 'allow' ? 'green' : 'red', v.aclPolicy),
    allowed: list(v.allowed, 'green'),
    denied: list(v.denied, 'red'),
    expires_at: v.expiresAt === undefined ? 'never' : expiresSoon ? p.paint('yellow', formatTimestamp(v.expiresAt)) : formatTimestamp(v.expiresAt),
    bandwidth_used: formatBytes(v.bandwidthUsed),
    bandwidth_limit: formatKbps(v.bandwidthLimitKbps),
    last_login: v.lastLogin === undefined ? 'first login' : formatTimestamp(v.lastLogin),
    uptime: formatDuration(v.uptimeSecs),
    version: printable(v.version),
    group: v.group === undefined ? 'none' : printable(v.group),
    role: v.role === 'admin' ? p.paint(['bold', 'magenta'], 'admin') : printable(v.role),
  };
}

/** Render to text with `\n` line endings (the session converts for a pty). */
export function renderMotd(template: string, v: MotdValues, options: { colors: boolean; permissions: ShellPermissions }): string {
  const vals = values(v, options.colors);
  const hidden = (name: MotdVariable): boolean => (VISIBILITY[name] ?? []).some((flag) => !options.permissions[flag]);
  // Template control characters other than newline, tab and (with colours) ESC cannot reach the client.
  const normalized = template.replace(/\r\n?/g, '\n');
  const source = options.colors
    ? normalized.replace(/[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g, '')
    : stripAnsi(normalized).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  const out: string[] = [];
  for (const line of source.split('\n')) {
    let placeholders = 0;
    let blanked = 0;
    const rendered = line.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
      if ((MOTD_VARIABLES as readonly string[]).includes(name)) {
        placeholders++;
        if (hidden(name as MotdVariable)) { blanked++; return ''; }
        return vals[name as MotdVariable];
      }
      const tag = COLOR_TAGS[name];
      if (tag !== undefined) return options.colors ? tag : '';
      return whole;
    });
    if (placeholders > 0 && blanked === placeholders) continue;
    out.push(rendered);
  }
  let text = out.join('\n');
  // A colour left open by the template must not bleed into the prompt.
  const lastSgr = options.colors ? text.match(/\x1b\[[0-9;]*m/g)?.at(-1) : undefined;
  if (lastSgr !== undefined && lastSgr !== ANSI.reset && lastSgr !== '\x1b[m') text = text.replace(/\n*$/, (nl) => ANSI.reset + nl);
  return text;
}
