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
  /** Hash: IP -> reputation record (JSON). */
  readonly reputation: string;
  /** Pub/sub channel carrying batches of state changes. */
  readonly stateChannel: string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    bans: `${prefix}bans`,
    fail: (ip) => `${prefix}fail:${ip}`,
    failPattern: `${prefix}fail:*`,
    reputation: `${prefix}rep`,
    stateChannel: `${prefix}state`,
  };
}

/** The IP in a failure key, or undefined when the key is not one. */
export function ipOfFailKey(keys: ClusterKeys, key: string): string | undefined {
  const head = keys.fail('');
  return key.startsWith(head) && key.length > head.length ? key.slice(head.length) : undefined;
}
