/**
 * Binding a door's listener: resolves with the address actually bound (port 0 -> the port the OS
 * picked, which tests and the start-up log need), rejects with the bind error (EADDRINUSE, EACCES).
 */
import type { Server } from 'node:net';

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
