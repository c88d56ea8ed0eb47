/**
 * Test doubles for the shell: a fake ShellPort (in-memory store, scripted policy answers) and
 * users built through the real config schema, so permissions and defaults are the real ones.
 */
import { FakeClock } from '../../../src/clock.js';
import { configSchema, type ConfigInput } from '../../../src/config/schema.js';
import { resolveUser, type EffectiveUser } from '../../../src/config/users.js';
import type { AccessCheck, ConnectTest, ShellPort, ShellServerInfo, ShellSessionInfo, ShellUserStore } from '../../../src/shell/port.js';
import { shellSettingsFromConfig, type ShellSettings } from '../../../src/shell/settings.js';

export const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
export const T0 = Date.parse('2026-11-25T10:00:00Z');

type UserInput = NonNullable<ConfigInput['users']>[number];

export function makeConfig(user: Partial<UserInput> = {}, extra: Omit<ConfigInput, 'users'> = {}) {
  return configSchema.parse({ ...extra, users: [{ username: 'alice', password_hash: HASH, ...user }] });
}

export function makeUser(user: Partial<UserInput> = {}, extra: Omit<ConfigInput, 'users'> = {}): EffectiveUser {
  const config = makeConfig(user, extra);
  return resolveUser(config, config.users[0]!);
}

export function makeSettings(extra: Omit<ConfigInput, 'users'> = {}, motdFile?: string): ShellSettings {
  return shellSettingsFromConfig(makeConfig({}, extra), motdFile);
}

export function makeInfo(user: EffectiveUser, more: Partial<ShellSessionInfo> = {}): ShellSessionInfo {
  return { user, sourceIp: '203.0.113.7', authMethod: 'password', connectedAt: T0 - 65_000, connId: 'abcd1234', ...more };
}

export const SERVER: ShellServerInfo = { version: '0.1.0', startedAt: T0 - 90_061_000 };

export class MemoryStore implements ShellUserStore {
  history = new Map<string, string[]>();
  bookmarks = new Map<string, Map<string, string>>();
  aliases = new Map<string, Map<string, string>>();
  last: number | undefined = undefined;
  bookmarkCap = 50;
  fail = false;

  getHistory(user: string): string[] { this.#check(); return [...(this.history.get(user) ?? [])]; }
  appendHistory(user: string, line: string): void {
    this.#check();
    const h = this.history.get(user) ?? [];
    h.push(line);
    this.history.set(user, h.slice(-100));
  }
  listBookmarks(user: string): Record<string, string> { this.#check(); return Object.fromEntries(this.bookmarks.get(user) ?? []); }
  addBookmark(user: string, name: string, target: string): boolean {
    this.#check();
    const b = this.bookmarks.get(user) ?? new Map<string, string>();
    if (!b.has(name) && b.size >= this.bookmarkCap) return false;
    b.set(name, target);
    this.bookmarks.set(user, b);
    return true;
  }
  deleteBookmark(user: string, name: string): boolean { this.#check(); return this.bookmarks.get(user)?.delete(name) ?? false; }
  lastLogin(): number | undefined { this.#check(); return this.last; }
  listAliases(user: string): Record<string, string> { this.#check(); return Object.fromEntries(this.aliases.get(user) ?? []); }
  setAlias(user: string, name: string, command: string): void {
    const a = this.aliases.get(user) ?? new Map<string, string>();
    a.set(name, command);
    this.aliases.set(user, a);
  }
  deleteAlias(user: string, name: string): boolean { return this.aliases.get(user)?.delete(name) ?? false; }
  #check(): void { if (this.fail) throw new Error('store unavailable'); }
}

export interface FakePort extends ShellPort {
  readonly store: MemoryStore;
  connectCalls: { host: string; port: number }[];
  accessCalls: { host: string; port: number }[];
  policy: (host: string, port: number) => AccessCheck;
  connect: (host: string, port: number, signal: AbortSignal) => Promise<ConnectTest>;
  dns: Record<string, string[]>;
}

export function fakePort(): FakePort {
  const port: FakePort = {
    store: new MemoryStore(),
    connectCalls: [],
    accessCalls: [],
    dns: { 'example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] },
    policy: (host) => host.endsWith('.internal') || host.startsWith('10.')
      ? { allowed: false, rule: '10.0.0.0/8:*', reason: 'denied by ACL', addresses: ['10.1.2.3'] }
      : { allowed: true, rule: '*.example.com:443', reason: 'allowed by ACL', addresses: ['93.184.216.34'] },
    connect: async (host, p) => ({ ...port.policy(host, p), connected: p !== 9, ms: 12, ...(p === 9 ? { error: 'ECONNREFUSED' } : {}) }),
    activeConnections: () => [{ target: 'example.com:443', protocol: 'ssh', startedAt: T0 - 120_000, bytesUp: 2048, bytesDown: 1_572_864 }],
    bandwidth: () => ({ hourlyBytes: 1024, dailyBytes: 5 * 1024 * 1024, monthlyBytes: 3 * 1024 ** 3, totalBytes: 4 * 1024 ** 3, currentBytesPerSec: 2048 }),
    quota: () => ({ hourlyBytes: 1024, dailyBytes: 512 * 1024 * 1024, dailyConnections: 7, monthlyBytes: 3 * 1024 ** 3, monthlyConnections: 70, totalBytes: 4 * 1024 ** 3 }),
    connectionHistory: () => ({ today: 7, month: 70, todayBytes: 1024 * 1024, monthBytes: 1024 ** 3 }),
    async checkAccess(_s, host, p) { port.accessCalls.push({ host, port: p }); return port.policy(host, p); },
    async testConnect(_s, host, p, signal) { port.connectCalls.push({ host, port: p }); return port.connect(host, p, signal); },
    async resolve(name) {
      const a = port.dns[name];
      if (!a) throw new Error('NXDOMAIN');
      return a;
    },
  };
  return port;
}

export function fakeClock(): FakeClock {
  return new FakeClock(T0);
}

/** Manual timers: tests fire them in order instead of sleeping. */
export class ManualTimers {
  #next = 1;
  pending = new Map<number, { fn: () => void; ms: number }>();
  setTimeout = (fn: () => void, ms: number): unknown => { const id = this.#next++; this.pending.set(id, { fn, ms }); return id; };
  clearTimeout = (h: unknown): void => { this.pending.delete(h as number); };
  /** Fire every timer due at or before `ms` (relative to when it was armed), longest-armed first. */
  fireAll(): number {
    const all = [...this.pending.entries()].sort((a, b) => a[1].ms - b[1].ms);
    for (const [id, t] of all) { if (this.pending.delete(id)) t.fn(); }
    return all.length;
  }
  fireShortest(): void {
    const first = [...this.pending.entries()].sort((a, b) => a[1].ms - b[1].ms)[0];
    if (first) { this.pending.delete(first[0]); first[1].fn(); }
  }
}

import { palette } from '../../../src/shell/ansi.js';
import type { SessionState } from '../../../src/shell/commands/types.js';
import { commandsFor, runCommandLine } from '../../../src/shell/dispatch.js';
import { createVirtualFs } from '../../../src/shell/vfs.js';

export interface RunResult {
  status: number;
  out: string;
  err: string;
  exit: number | undefined;
  cleared: boolean;
  state: SessionState;
}

/** Run one line through the real dispatcher with a fake port; sleeps resolve at once. */
export async function runLine(line: string, options: {
  user?: EffectiveUser; port?: FakePort; settings?: ShellSettings; state?: SessionState; interactive?: boolean; colors?: boolean; signal?: AbortSignal;
} = {}): Promise<RunResult> {
  const user = options.user ?? makeUser();
  const settings = options.settings ?? makeSettings();
  const vfs = createVirtualFs({ username: user.username, hostname: settings.hostname, version: SERVER.version });
  const state = options.state ?? { cwd: vfs.home, bookmarks: new Map(), aliases: new Map(), history: [] };
  const r: RunResult = { status: -1, out: '', err: '', exit: undefined, cleared: false, state };
  const clock = fakeClock();
  r.status = await runCommandLine(line, {
    session: makeInfo(user), server: SERVER, settings, port: options.port ?? fakePort(), clock, vfs,
    color: palette(options.colors ?? false), signal: options.signal ?? new AbortController().signal,
    interactive: options.interactive ?? true, state,
    env: new Map([['USER', user.username], ['HOME', vfs.home], ['PWD', state.cwd]]),
    out: (t) => { r.out += t; }, err: (t) => { r.err += t; },
    clearScreen: () => { r.cleared = true; }, requestExit: (c) => { r.exit = c; },
    commands: commandsFor(user.shellPermissions),
    sleep: async (ms) => { clock.advance(ms); return !(options.signal?.aborted ?? false); },
  });
  return r;
}
