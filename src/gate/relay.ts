/**
 * Byte relay between client and backend once a client is allowed: sks5's own relay
 * (src/relay/pipe.ts: half-close passed through, zero-allocation path for two TCP sockets, idle
 * teardown so a silent connection cannot pin a slot), with the gate's result vocabulary.
 */
import type { Socket } from 'node:net';
import { relay as relayBytes } from '../relay/pipe.js';

export interface RelayResult {
  readonly clientToBackend: number;
  readonly backendToClient: number;
  readonly reason: 'closed' | 'idle' | 'error';
}

export async function relay(client: Socket, backend: Socket, idleMs: number): Promise<RelayResult> {
  const r = await relayBytes(client, backend, { idleTimeoutMs: idleMs });
  const reason = r.reason === 'idle' ? 'idle' : r.reason.startsWith('error') ? 'error' : 'closed';
  return { clientToBackend: r.bytesUp, backendToClient: r.bytesDown, reason };
}
