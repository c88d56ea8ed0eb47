/** Texts the session prints around the commands: prompt, login MOTD, environment, system notices. */
import { palette, printable } from './ansi.js';
import { chooseMotd, renderMotd } from './motd.js';
import type { Clock } from '../clock.js';
import type { ShellPort, ShellServerInfo, ShellSessionInfo } from './port.js';
import type { ShellSettings } from './settings.js';

const MAX_NOTICE_CHARS = 2000;

/** What the texts read of a session's options (ShellSessionOptions has these fields; session.ts imports this file, not the reverse). */
export interface SessionTextSource {
  readonly info: ShellSessionInfo;
  readonly server: ShellServerInfo;
  readonly port: ShellPort;
  readonly settings: ShellSettings;
  readonly clock: Clock;
}

/**
 * `[shell].prompt` is the suffix after `user@hostname:cwd` ("$ " by default). A prompt that
 * contains {user}, {hostname} or {cwd} is a whole template instead.
 */
export function buildPrompt(settings: ShellSettings, user: string, cwd: string, colors: boolean): string {
  const p = palette(colors);
  const suffix = printable(settings.prompt);
  const host = printable(settings.hostname);
  if (/\{(user|hostname|cwd)\}/.test(suffix)) {
    return suffix.replace(/\{(user|hostname|cwd)\}/g, (_m, name: string) =>
      name === 'user' ? p.paint(['bold', 'green'], user) : name === 'hostname' ? host : p.paint(['bold', 'blue'], cwd));
  }
  return `${p.paint(['bold', 'green'], `${user}@${host}`)}:${p.paint(['bold', 'blue'], cwd)}${suffix}`;
}

export async function renderLoginMotd(o: SessionTextSource, colors: boolean): Promise<string> {
  const user = o.info.user;
  const choice = chooseMotd(o.settings, user);
  if (!choice.enabled) return '';
  let lastLogin: number | undefined;
  let connections = 0;
  let bandwidthUsed = 0;
  // The MOTD is decoration: a failing store or counter must not keep the user out.
  if (o.info.previousLogin !== undefined) lastLogin = o.info.previousLogin ?? undefined;
  else try { lastLogin = await o.port.store.lastLogin(user.username); } catch { lastLogin = undefined; }
  try { connections = o.port.activeConnections(user.username).length; } catch { connections = 0; }
  try { bandwidthUsed = o.port.bandwidth(user.username).dailyBytes; } catch { bandwidthUsed = 0; }
  const now = o.clock.now();
  const text = renderMotd(choice.template, {
    user: user.username,
    hostname: o.settings.hostname,
    authMethod: o.info.authMethod,
    sourceIp: o.info.sourceIp,
    connections,
    aclPolicy: user.acl.default_policy,
    allowed: user.acl.allow,
    denied: user.acl.deny,
    expiresAt: user.expiresAt,
    bandwidthUsed,
    bandwidthLimitKbps: user.maxBandwidthKbps,
    lastLogin,
    uptimeSecs: (now - o.server.startedAt) / 1000,
    version: o.server.version,
    group: user.group,
    role: user.role,
    now,
  }, { colors: colors && choice.colors, permissions: user.shellPermissions });
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}

export function shellEnvironment(o: SessionTextSource, cwd: string, term: string | undefined): ReadonlyMap<string, string> {
  const user = o.info.user.username;
  return new Map([
    ['USER', user],
    ['LOGNAME', user],
    ['HOME', `/home/${user}`],
    ['SHELL', '/bin/sks5-shell'],
    ['HOSTNAME', o.settings.hostname],
    ['PWD', cwd],
    ['TERM', term ? printable(term).slice(0, 64) : 'dumb'],
    ['LANG', 'C.UTF-8'],
  ]);
}

/** A broadcast, kick or idle notice: one labelled block, control characters neutralised. */
export function systemMessage(message: string, label: string, colors: boolean): string {
  const body = message.slice(0, MAX_NOTICE_CHARS).split(/\r?\n/).map(printable).join('\n');
  return `${palette(colors).paint(['bold', 'yellow'], `[${label}]`)} ${body}\n`;
}

export function idleNotice(secondsLeft: number): string {
  return `No input for a while: you will be disconnected in ${secondsLeft}s unless you press a key.`;
}
