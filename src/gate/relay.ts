/**
 * Byte relay between client and backend once a client is allowed. Half-close is passed through
 * (an EOF from one side becomes a FIN to the other while the opposite direction keeps flowing);
 * a connection with no traffic either way for `idleMs` is torn down so it cannot pin a slot.
 */
import type { Socket } from 'node:net';

export interface RelayResult {
  readonly clientToBackend: number;
  readonly backendToClient: number;
  readonly reason: 'closed' | 'idle' | 'error';
}

export function relay(client: Socket, backend: Socket, idleMs: number): Promise<RelayResult> {
  return new Promise((resolve) => {
    let reason: RelayResult['reason'] = 'closed';
    let closed = 0;
    const startUp = backend.bytesWritten;
    const startDown = client.bytesWritten;
    const kill = (why: RelayResult['reason']): void => {
      if (reason === 'closed') reason = why;
      client.destroy();
      backend.destroy();
    };
    const onClose = (): void => {
      if (++closed < 2) return;
      resolve({ clientToBackend: backend.bytesWritten - startUp, backendToClient: client.bytesWritten - startDown, reason });
    };
    for (const [a, b] of [[client, backend], [backend, client]] as const) {
      a.setTimeout(idleMs, () => kill('idle'));
      a.on('error', () => kill('error'));
      // A side that vanished abruptly takes the other down; an orderly close was already
      // propagated as a FIN by pipe() and the other side closes on its own.
      a.on('close', (hadError: boolean) => {
        if (hadError) b.destroy();
        onClose();
      });
      a.pipe(b);
    }
    client.resume();
    backend.resume();
  });
}
