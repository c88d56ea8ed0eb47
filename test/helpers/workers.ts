/**
 * One sks5 with `[server] workers = 2` for e2e tests (no Redis): the TOML (SOCKS5, SSH, API and
 * metrics on loopback port 0, ban_threshold 3, shutdown_timeout 3) and the start that waits for both.
 */
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
