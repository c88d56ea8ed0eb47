/**
 * What a node tells the others about its sessions: each tunnel's identity, target, source, start
 * and byte counters, and its authenticated connections per user. Never credentials: no password,
 * key, token or client fingerprint leaves the node this way. Pure: the registry is read, not kept.
 */
import type { ConnectionRecord } from '../pipeline/sessions.js';
import { MAX_SHARED_SESSIONS, type SessionSummary } from './messages.js';

export interface SharedSessions {
  sessions: SessionSummary[];
  /** Authenticated client connections per user. */
  perUser: Record<string, number>;
}

/** This node's registry as published; the oldest MAX_SHARED_SESSIONS tunnels when there are more. */
export function summarizeSessions(conns: readonly ConnectionRecord[], max = MAX_SHARED_SESSIONS): SharedSessions {
  const sessions: SessionSummary[] = [];
  const perUser: Record<string, number> = {};
  for (const c of conns) {
    if (c.username !== undefined) perUser[c.username] = (perUser[c.username] ?? 0) + 1;
    for (const t of c.tunnels.values()) {
      sessions.push({
        i: t.sessionId, u: t.username, h: t.targetHost.slice(0, 255), p: t.targetPort, ip: c.sourceIp, st: t.startedAt,
        bu: t.bytesUp, bd: t.bytesDown, pr: c.door,
      });
    }
  }
  sessions.sort((a, b) => a.st - b.st);
  return { sessions: sessions.slice(0, max), perUser };
}

/** Which tunnels are open and the connection counts: a change of these is announced at once, bytes wait for the heartbeat. */
export function sessionsSignature(shared: SharedSessions): string {
  return JSON.stringify([shared.sessions.map((s) => s.i), shared.perUser]);
}
