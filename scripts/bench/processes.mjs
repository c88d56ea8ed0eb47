// Child processes of `npm run bench`: every server, client and harness run is started here,
// remembered by PID, and stopped by that PID (never by name), also when the run is interrupted.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** PIDs we started and have not yet seen exit. */
const live = new Map();

// Holding 5000 tunnels needs ~10k fds in a proxy and ~5k in the harness and its target each;
// the hard limit on the project machine is 20000, so raise the soft limit in the child itself.
const RAISE_FDS = 'ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `cmd args` through `bash -c 'ulimit ...; exec'` so the PID is the program itself.
 * stdout/stderr go to `logPath` (or are discarded) unless `capture` asks for them in memory.
 */
export function startProcess(name, cmd, args, { logPath, capture = false, cwd, env } = {}) {
  const child = spawn('bash', ['-c', RAISE_FDS, cmd, ...args], {
    cwd, env: env ?? process.env, stdio: ['ignore', capture || logPath ? 'pipe' : 'ignore', capture || logPath ? 'pipe' : 'ignore'],
  });
  const proc = { name, pid: child.pid, child, stdout: '', stderr: '', exited: false, code: null };
  live.set(child.pid, proc);
  const file = logPath ? createWriteStream(logPath) : null;
  child.stdout?.on('data', (d) => { if (capture) proc.stdout += d; file?.write(d); });
  child.stderr?.on('data', (d) => { if (capture) proc.stderr += d; file?.write(d); });
  proc.done = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      proc.exited = true; proc.code = code ?? signal; live.delete(child.pid); file?.end(); resolve(proc.code);
    });
    child.once('error', (err) => { proc.exited = true; proc.code = err.message; live.delete(child.pid); resolve(proc.code); });
  });
  return proc;
}

/** Resolves once 127.0.0.1:port accepts a TCP connection; throws if the process exits or time runs out. */
export async function waitPort(port, proc, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc?.exited) throw new Error(`${proc.name} exited (${proc.code}) before listening on ${port}`);
    const ok = await new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${proc?.name ?? 'process'} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** SIGTERM by PID, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(proc, graceMs = 4000) {
  if (!proc || proc.exited) return;
  try { process.kill(proc.pid, 'SIGTERM'); } catch { return; }
  const timer = sleep(graceMs).then(() => 'late');
  if ((await Promise.race([proc.done, timer])) === 'late' && !proc.exited) {
    try { process.kill(proc.pid, 'SIGKILL'); } catch { /* already gone */ }
    await Promise.race([proc.done, sleep(2000)]);
  }
}

/** Runs a program to completion (bounded by `timeoutMs`), returning its captured output. */
export async function runToEnd(name, cmd, args, { timeoutMs, onStderr, cwd, env } = {}) {
  const proc = startProcess(name, cmd, args, { capture: true, cwd, env });
  if (onStderr) proc.child.stderr.on('data', onStderr);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; void stopProcess(proc, 2000); }, timeoutMs);
  const code = await proc.done;
  clearTimeout(timer);
  return { code, timedOut, stdout: proc.stdout, stderr: proc.stderr };
}

/** Stops everything still running; used on the global deadline, SIGINT and at the end. */
export async function stopAll() {
  await Promise.all([...live.values()].map((p) => stopProcess(p, 2000)));
}

/** Synchronous last resort when the event loop is about to end (process 'exit'). */
export function killAllNow() {
  for (const pid of live.keys()) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

/** Sockets in TIME_WAIT on this machine (/proc/net/sockstat), or 0 where it cannot be read. */
export function timeWaitCount() {
  try { return Number(/\btw (\d+)/.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? 0); } catch { return 0; }
}

/**
 * Connect runs leave tens of thousands of loopback sockets in TIME_WAIT (60 s each); the next server's
 * outgoing connects then run out of ephemeral ports (danted answered "network unreachable" to 1277
 * connects in one such run). Waits, at most `maxMs`, until fewer than `below` remain.
 */
export async function settleTimeWait(below = 8000, maxMs = 65_000) {
  const until = Date.now() + maxMs;
  while (timeWaitCount() >= below && Date.now() < until) await sleep(1000);
}
