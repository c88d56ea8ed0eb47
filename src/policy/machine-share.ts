/**
 * The other worker processes of this machine (`[server] workers`), for the server-wide limits that
 * must hold for the machine as a whole. Cluster nodes on Redis do not pass it: there these limits
 * protect each node.
 */
export interface MachinePeers {
  /** Tunnels open in the other workers, as they last announced (within 100 ms). */
  tunnels(): number;
  /** Authenticated connections in the other workers. */
  connections(): number;
  /** Workers on the machine, this one included. */
  readonly workers: number;
}

/**
 * One worker's share of a machine-wide rate: connections reach the workers in turn (round robin),
 * so each admits its 1/N of the limit and the machine admits the limit.
 */
export function workerShare(limit: number, machine: MachinePeers | undefined): number {
  return limit > 0 && machine && machine.workers > 1 ? Math.max(1, Math.ceil(limit / machine.workers)) : limit;
}

