/**
 * One sks5 with `[server] workers = 2` for e2e tests (no Redis): the TOML (SOCKS5, SSH, API and
 * metrics on loopback port 0, ban_threshold 3, shutdown_timeout 3) and the start that waits for both.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { startSks5, type Sks5Process } from './sks5-process.js';
import { loopbackToml } from './cluster-nodes.js';

export async function workersToml(extra = '', userExtra = '', moreUsers = ''): Promise<string> {
  return loopbackToml({ server: 'workers = 2\nshutdown_timeout = 3', extra, userExtra, after: `${moreUsers}\n[logging]\nformat = "json"\nlevel = "info"` });
}

export async function startWorkers(t: Parameters<typeof startSks5>[0], toml: string, dir?: string): Promise<Sks5Process> {
  const srv = await startSks5(t, toml, { expect: ['socks5', 'ssh', 'api', 'metrics'], ...(dir ? { dir } : {}) });
  await srv.waitForLog((l) => l.msg === 'all 2 workers ready');
  return srv;
}

/** Which worker logged each authentication so far. */
export const authWorkers = (srv: Sks5Process): number[] => srv.logs.filter((l) => l.msg === 'authenticated').map((l) => Number(l.worker));


/** The pids of the primary's workers, from their 'worker N ready (pid P)' log lines (latest per worker). */
export function workerPids(srv: Sks5Process): Map<number, number> {
  return new Map(srv.logs.filter((l) => /^worker \d+ ready/.test(String(l.msg))).map((l) => [Number(l.worker), Number(l.pid)]));
}

/** Which of `pids` hold the socket listening on loopback TCP `port` (from /proc/net/tcp and each /proc/PID/fd). */
export function holdersOfListener(port: number, pids: number[]): number[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set(readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A')
    .map((f) => f[9]));
  return pids.filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try { return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''); } catch { return false; }
      });
    } catch { return false; }
  });
}
