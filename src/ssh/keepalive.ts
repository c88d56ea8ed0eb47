/**
 * Keepalives for authenticated connections. ssh2 1.17's server already sends
 * `keepalive@openssh.com` global requests (want-reply) every `keepaliveInterval` ms and ends the
 * connection after `keepaliveCountMax` intervals without any packet from the client; any inbound
 * packet (the client's reply included) resets the count. We only map our config onto it.
 * Before authentication `ssh_auth_timeout` bounds the connection instead.
 */
/** setInterval's ceiling (~24.8 days): used as "never", since ssh2 treats 0 as "use the default". */
const NEVER_MS = 2 ** 31 - 1;

export interface KeepaliveOptions {
  keepaliveInterval: number;
  keepaliveCountMax: number;
}

/** `ssh_keepalive_interval_secs = 0` or `ssh_keepalive_max = 0` disables keepalives. */
export function keepaliveOptions(intervalSecs: number, maxMissed: number): KeepaliveOptions {
  if (intervalSecs <= 0 || maxMissed <= 0) return { keepaliveInterval: NEVER_MS, keepaliveCountMax: 1 };
  return { keepaliveInterval: Math.min(intervalSecs * 1000, NEVER_MS), keepaliveCountMax: maxMissed };
}
