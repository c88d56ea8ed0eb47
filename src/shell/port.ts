/**
 * The boundary between the restricted shell and the rest of the server. The shell never imports
 * the server, the relay or the store: everything it shows or tests comes through `ShellPort`,
 * so every command is unit-tested against a fake port and the lead wires the real one once.
 *
 * Two halves: `ShellSessionInfo` is per SSH connection (who, from where, how), `ShellPort` is
 * the server-wide set of services, each call naming the user it is about.
 */
import type { EffectiveUser } from '../config/users.js';

/** Who is on this SSH connection; built by the SSH layer after auth. */
export interface ShellSessionInfo {
  readonly user: EffectiveUser;
  readonly sourceIp: string;
  /** 'password', 'publickey', 'publickey+password', ... as the auth layer names it. */
  readonly authMethod: string;
  /** `SHA256:...` of the key that authenticated, when a key did. */
  readonly keyFingerprint?: string | undefined;
  /** ms since epoch when the SSH connection was authenticated. */
  readonly connectedAt: number;
  /** 8-hex correlation id of the SSH connection, for the lead's logs. */
  readonly connId: string;
  /**
   * The login before this one when the auth layer already recorded this login (ms; null = this
   * is the first). Absent: the shell asks `store.lastLogin()` instead.
   */
  readonly previousLogin?: number | null | undefined;
}

/** One live relay (SSH -L/-D or SOCKS5) of a user. */
export interface LiveConnection {
  readonly target: string;
  readonly protocol: string;
  readonly startedAt: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
}

/** Bytes moved by a user in each accounting window, plus the current relay rate. */
export interface BandwidthUsage {
  readonly hourlyBytes: number;
  readonly dailyBytes: number;
  readonly monthlyBytes: number;
  readonly totalBytes: number;
  /** bytes per second across the user's live relays, now. */
  readonly currentBytesPerSec: number;
}

/** Counters the quotas are compared with; the limits come from `EffectiveUser.quotas`. */
export interface QuotaUsage {
  readonly hourlyBytes: number;
  readonly dailyBytes: number;
  readonly dailyConnections: number;
  readonly monthlyBytes: number;
  readonly monthlyConnections: number;
  readonly totalBytes: number;
}

/** The outcome of a policy check (ACL + SSRF guard) for one host:port, without connecting. */
export interface AccessCheck {
  readonly allowed: boolean;
  /** The rule that decided, as written in the config (`10.0.0.0/8:*`), or `default policy: deny`. */
  readonly rule?: string | undefined;
  /** One short sentence: why it was allowed or denied. */
  readonly reason: string;
  /** The addresses the name resolved to, when resolution happened. */
  readonly addresses?: readonly string[] | undefined;
}

/** `AccessCheck` plus the result of a real TCP connect through the relay's connect path. */
export interface ConnectTest extends AccessCheck {
  /** true when the TCP handshake completed (the socket is closed at once). Absent when denied. */
  readonly connected?: boolean | undefined;
  /** Connect time in ms, when a connect was attempted. */
  readonly ms?: number | undefined;
  /** Socket error (`ECONNREFUSED`, `timeout`, ...) when the connect failed. */
  readonly error?: string | undefined;
}

/** Per-user durable state (history, bookmarks, aliases, last login). Sync or async, both fine. */
export interface ShellUserStore {
  getHistory(user: string): readonly string[] | Promise<readonly string[]>;
  appendHistory(user: string, line: string): void | Promise<void>;
  listBookmarks(user: string): Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
  /** Returns false when the per-user bookmark cap is reached. */
  addBookmark(user: string, name: string, target: string): boolean | Promise<boolean>;
  /** Returns false when there was no such bookmark. */
  deleteBookmark(user: string, name: string): boolean | Promise<boolean>;
  /** The previous successful login (ms since epoch), not the current one; undefined = first login. */
  lastLogin(user: string): number | undefined | Promise<number | undefined>;
  /** Optional: user-defined aliases persisted with the rest; without them aliases live per session. */
  listAliases?(user: string): Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
  setAlias?(user: string, name: string, command: string): void | Promise<void>;
  deleteAlias?(user: string, name: string): boolean | Promise<boolean>;
}

export interface ShellPort {
  /** The user's live relays (all doors). */
  activeConnections(user: string): readonly LiveConnection[];
  bandwidth(user: string): BandwidthUsage;
  quota(user: string): QuotaUsage;
  /** Connections opened today / this month (the `show history` summary). */
  connectionHistory(user: string): { readonly today: number; readonly month: number; readonly todayBytes: number; readonly monthBytes: number };
  /** Policy only (ACL, SSRF guard, on the resolved addresses): used by `ping`. Never connects. */
  checkAccess(session: ShellSessionInfo, host: string, port: number, signal: AbortSignal): Promise<AccessCheck>;
  /** Policy then a real TCP connect, exactly as a forward would: used by `test host:port`. */
  testConnect(session: ShellSessionInfo, host: string, port: number, signal: AbortSignal): Promise<ConnectTest>;
  /** Real DNS (the server's resolver and cache). Rejects with an Error whose message is shown. */
  resolve(name: string, signal: AbortSignal): Promise<readonly string[]>;
  readonly store: ShellUserStore;
}

/** Server facts the shell prints (MOTD `{version}`, `{uptime}`, `uname`, prompt). */
export interface ShellServerInfo {
  readonly version: string;
  /** ms since epoch when the server started, for `{uptime}`. */
  readonly startedAt: number;
}
