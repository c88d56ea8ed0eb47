/**
 * The doors' listening sockets held by the primary of `[server] workers` (least-connections
 * distribution, server/balancer.ts). The primary only accepts: sockets are created paused, so it
 * never reads a byte, and are handed to a worker, which runs admission and everything after it.
 * Bound before any worker is forked, so a taken port stops the server at once with the reason.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Config } from '../config/schema.js';
import { listenOn } from '../listen.js';
import { parseListenAddress } from '../host-port.js';

export type DoorName = 'ssh' | 'socks5' | 'http';

/** Where each door listens, as the primary bound it (port 0 in the config: the port the OS picked). */
export type BoundDoors = Partial<Record<DoorName, { address: string; port: number }>>;

export interface PrimaryDoors {
  readonly bound: BoundDoors;
  /** Stop accepting (shutdown); handed-over connections are the workers'. */
  close(): void;
}

export function doorAddresses(config: Config): Array<[DoorName, string]> {
  const s = config.server;
  return [['ssh', s.ssh_listen], ['socks5', s.socks5_listen], ['http', s.http_proxy_listen]].filter((d): d is [DoorName, string] => typeof d[1] === 'string' && d[1] !== '');
}

export async function listenDoors(config: Config, onSocket: (door: DoorName, socket: Socket) => void, onError: (door: DoorName, err: Error) => void): Promise<PrimaryDoors> {
  const servers: Server[] = [];
  const bound: BoundDoors = {};
  try {
    for (const [door, addr] of doorAddresses(config)) {
      const server = createServer({ pauseOnConnect: true }, (socket) => onSocket(door, socket));
      // An accept error (EMFILE) must not end the primary: said, and that socket is not served.
      server.on('error', (err) => { if (server.listening) onError(door, err); });
      servers.push(server);
      const { host, port } = parseListenAddress(addr);
      bound[door] = await listenOn(server, host, port);
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  return { bound, close: () => { for (const s of servers) if (s.listening) s.close(); } };
}
