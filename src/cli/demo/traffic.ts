/**
 * Real traffic for the demo: every `intervalMs` each configured user opens a SOCKS5 tunnel through
 * the demo's own listener (with the real password) to the demo target, uploads a small body and
 * downloads a slow stream. Sessions, byte counts, quotas and events on the dashboard are therefore
 * genuine. Bounded: at most `maxOpenPerUser` tunnels per user, each with a hard deadline.
 */
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { connectViaUpstream } from '../../relay/upstream.js';

export interface TrafficOptions {
  readonly socks: { host: string; port: number };
  readonly target: { host: string; port: number };
  readonly users: readonly { username: string; password: string }[];
  readonly intervalMs?: number;
  readonly maxOpenPerUser?: number;
  /** Called when a tunnel fails (refused by policy, quota reached...); the demo keeps going. */
  readonly onError?: (username: string, err: Error) => void;
}

export interface TrafficStats {
  opened: number;
  completed: number;
  failed: number;
}

export interface DemoTraffic {
  stats(): Readonly<TrafficStats>;
  stop(): void;
}

const CONNECT_TIMEOUT_MS = 5_000;
/** Longest a tunnel may live past its planned stream time before it is cut. */
const GRACE_MS = 10_000;

export function startDemoTraffic(opts: TrafficOptions): DemoTraffic {
  const interval = opts.intervalMs ?? 2_000;
  const maxOpen = opts.maxOpenPerUser ?? 3;
  const open = new Map<string, number>();
  const sockets = new Set<Socket>();
  const stats: TrafficStats = { opened: 0, completed: 0, failed: 0 };
  let stopped = false;

  const oneTunnel = async (user: { username: string; password: string }): Promise<void> => {
    const bytes = randomInt(8 * 1024, 192 * 1024);
    const ms = randomInt(2_000, 8_000);
    const upload = randomInt(256, 8 * 1024);
    const sock = await connectViaUpstream({ host: opts.socks.host, port: opts.socks.port, username: user.username, password: user.password }, opts.target.host, opts.target.port, CONNECT_TIMEOUT_MS);
    if (stopped) { sock.destroy(); return; }
    stats.opened++;
    sockets.add(sock);
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => sock.destroy(new Error('demo tunnel deadline')), ms + GRACE_MS);
      deadline.unref();
      sock.on('data', () => { /* the body is only there to be counted by the relay */ });
      // The tunnel socket is half-open capable: answer the target's EOF with ours so it closes.
      sock.once('end', () => sock.end());
      sock.once('error', reject);
      sock.once('close', () => { clearTimeout(deadline); sockets.delete(sock); resolve(); });
      sock.write(`POST /stream?bytes=${bytes}&ms=${ms} HTTP/1.1\r\nHost: ${opts.target.host}:${opts.target.port}\r\nUser-Agent: sks5-demo/${user.username}\r\nContent-Length: ${upload}\r\nConnection: close\r\n\r\n`);
      sock.write(Buffer.alloc(upload, 0x61));
    });
    stats.completed++;
  };

  const tick = (): void => {
    if (stopped) return;
    for (const user of opts.users) {
      const n = open.get(user.username) ?? 0;
      if (n >= maxOpen) continue;
      open.set(user.username, n + 1);
      oneTunnel(user)
        .catch((err: Error) => {
          if (stopped) return;
          stats.failed++;
          opts.onError?.(user.username, err);
        })
        .finally(() => open.set(user.username, (open.get(user.username) ?? 1) - 1));
    }
  };

  // The first round starts at once so the dashboard has something to show when it is opened.
  tick();
  const timer = setInterval(tick, interval);
  timer.unref();
  return {
    stats: () => ({ ...stats }),
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}
