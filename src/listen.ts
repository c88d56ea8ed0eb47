/**
 * Binding a door's listener: resolves with the address actually bound (port 0 -> the port the OS
 * picked, which tests and the start-up log need), rejects with the bind error (EADDRINUSE, EACCES).
 */
import type { Server, Socket } from 'node:net';

export function listenOn(server: Server, host: string, port: number): Promise<{ address: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? { address: a.address, port: a.port } : { address: host, port });
    });
  });
}

/**
 * A connection the primary of `[server] workers` accepted and handed to this worker (least-
 * connections distribution, server/balancer.ts): given to the server's connection handlers as
 * if it had accepted it. A socket that came over IPC is built without the listener's options,
 * so the ones the door relies on are set here (`allowHalfOpen` is documented as settable until
 * 'end'; a relay needs it for a client that half-closes).
 */
export function injectConnection(server: Server, socket: Socket, opts: { allowHalfOpen?: boolean; noDelay?: boolean } = {}): void {
  if (opts.allowHalfOpen) socket.allowHalfOpen = true;
  if (opts.noDelay) socket.setNoDelay(true);
  server.emit('connection', socket);
}
