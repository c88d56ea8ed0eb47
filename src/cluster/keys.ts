/**
 * Every Redis key and channel the cluster uses, derived from `[cluster] key_prefix` in one place
 * so docs/cluster.md, the code and the tests name the same things.
 */
export interface ClusterKeys {
  /** Hash: IP -> ban version (JSON, see ban-versions.ts), tombstones included. */
  readonly bans: string;
  /** Sorted set per IP: failure instants (score) of the current window. */
  fail(ip: string): string;
  /** Pattern matching every failure key (SCAN after an outage). */
  readonly failPattern: string;
  /** Hash: client fingerprint -> decision version (JSON, see fingerprint-versions.ts), tombstones included. */
  readonly fingerprints: string;
  /** Hash: IP -> reputation record (JSON). */
  readonly reputation: string;
  /** Pub/sub channel carrying batches of state changes. */
  readonly stateChannel: string;
  /** Hashes {b: bytes, c: connections} of one user for one UTC day / month; {b} for the lifetime. */
  quotaDay(day: number, user: string): string;
  quotaMonth(month: number, user: string): string;
  quotaTotal(user: string): string;
  /** Hash: one-minute slice index -> bytes, the rolling hour of one user. */
  quotaHour(user: string): string;
  /** Sorted set: one user's shell history lines (score: when typed; member: JSON [node, seq, line]). */
  userHistory(user: string): string;
  /** Hash: one user's bookmarks (`b:<name>`), aliases (`a:<name>`) and last login (`login`, JSON). */
  userData(user: string): string;
  /** Hash: node name -> 1 once the node has pushed its shell data; a field gone means Redis lost it. */
  readonly userDataNodes: string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    bans: `${prefix}bans`,
    fail: (ip) => `${prefix}fail:${ip}`,
    failPattern: `${prefix}fail:*`,
    fingerprints: `${prefix}fp`,
    reputation: `${prefix}rep`,
    stateChannel: `${prefix}state`,
    quotaDay: (day, user) => `${prefix}q:d:${day}:${user}`,
    quotaMonth: (month, user) => `${prefix}q:m:${month}:${user}`,
    quotaTotal: (user) => `${prefix}q:t:${user}`,
    quotaHour: (user) => `${prefix}q:h:${user}`,
    userHistory: (user) => `${prefix}u:h:${user}`,
    userData: (user) => `${prefix}u:d:${user}`,
    userDataNodes: `${prefix}u:nodes`,
  };
}

/** The IP in a failure key, or undefined when the key is not one. */
export function ipOfFailKey(keys: ClusterKeys, key: string): string | undefined {
  const head = keys.fail('');
  return key.startsWith(head) && key.length > head.length ? key.slice(head.length) : undefined;
}
