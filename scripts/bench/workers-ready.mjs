// With `[server] workers = N` the port accepts as soon as the first worker listens, while the
// others may still be loading: a measurement started then would run on fewer workers than it says.
// The server logs "all N workers ready" only at level info, which the bench does not run at (info
// writes lines per connection), so we look from outside instead: each worker holds the sockets
// node:cluster hands it, so once every worker's count of socket descriptors rises while we hold a
// few connections open, every worker accepts on that port.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { sleep } from './processes.mjs';

/** PIDs whose parent is `pid` (the workers of a primary). */
export function childPids(pid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

function socketCount(pid) {
  let n = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try { if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++; } catch { /* closed meanwhile */ }
    }
  } catch { return -1; }
  return n;
}

/** Opens `n` TCP connections to 127.0.0.1:port and keeps them until the returned function is called. */
async function holdConnections(port, n) {
  const socks = await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(s));
  })));
  return () => { for (const s of socks) s.destroy(); };
}

/**
 * Resolves once each of the `count` workers of `proc` (a primary we started) takes connections on
 * every port in `ports`; throws after `timeoutMs`. At most a few connections per attempt, a few
 * attempts per second.
 */
export async function waitWorkersAccepting(proc, count, ports, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  const pending = new Set(ports);
  while (Date.now() < until) {
    if (proc.exited) throw new Error(`${proc.name} exited (${proc.code}) while its workers started`);
    const workers = childPids(proc.pid);
    if (workers.length >= count) {
      for (const port of [...pending]) {
        const before = workers.map(socketCount);
        const release = await holdConnections(port, 2 * count);
        await sleep(150);
        const rose = workers.filter((w, i) => socketCount(w) > before[i]).length;
        release();
        if (rose >= count) pending.delete(port);
      }
      if (!pending.size) return;
    }
    await sleep(250);
  }
  throw new Error(`${proc.name}: not all ${count} workers accepted on ${[...pending].join(', ')} within ${timeoutMs} ms`);
}
