// Processes only the scale section starts: redis-server (for `[cluster] redis_url` and the gate's
// -redis), danted (the forking SOCKS5 server the issue compares connects with) and `sshgate serve`
// on a route to the harness's fixed target port. Each is started through processes.mjs, so it is
// remembered by PID and stopped by that PID.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harnessDir } from './harness.mjs';
import { freePort, sleep, startProcess, waitPort } from './processes.mjs';
import { benchFingerprint } from './gate-kexinit.mjs';

/** User + system CPU seconds of one process so far (its threads included), from /proc; NaN if gone. */
export function cpuSecs(pid) {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch { return Number.NaN; }
}

export const redisInstalled = () => spawnSync('bash', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
export const dantedInstalled = () => existsSync('/usr/sbin/danted');

/** A throwaway redis-server on a free loopback port, nothing written to disk. */
export async function startRedis(dir) {
  const port = await freePort();
  const proc = startProcess('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { logPath: join(dir, `redis-${port}.log`) });
  await waitPort(port, proc);
  return { proc, url: `redis://127.0.0.1:${port}` };
}

/** danted with the shared peer config (no auth, loopback), moved to a free port. */
export async function startDanted(root, dir) {
  const port = await freePort();
  const conf = readFileSync(join(harnessDir(root), 'peers', 'danted.conf'), 'utf8').replace(/port = \d+/, `port = ${port}`);
  const path = join(dir, 'danted.conf');
  writeFileSync(path, conf);
  const proc = startProcess('danted', '/usr/sbin/danted', ['-f', path, '-p', join(dir, 'danted.pid')], { logPath: join(dir, 'danted.log') });
  await waitPort(port, proc);
  return { proc, proxy: `127.0.0.1:${port}` };
}

/**
 * `sshgate serve` routing a kernel-picked port to 127.0.0.1:targetPort, with the bench client's
 * fingerprint approved first (through Redis too when `redisUrl` is set, as an operator would);
 * `workers` > 1 passes -workers.
 */
export async function startGate(root, dir, { targetPort, redisUrl, label, workers }) {
  const bin = join(root, 'bin', 'sshgate');
  const db = join(dir, `${label}.db`);
  const redis = redisUrl ? ['--redis', redisUrl] : [];
  const reg = spawnSync(process.execPath, [bin, 'approve', '--db', db, '--config', '', ...redis, '--register', '--label', 'bench', benchFingerprint()], { encoding: 'utf8', timeout: 30_000 });
  if (reg.status !== 0) throw new Error(`sshgate approve failed: ${reg.stderr.trim()}`);
  const logPath = join(dir, `${label}.log`);
  const proc = startProcess(label, process.execPath, [bin, 'serve', '--route', `127.0.0.1:0=127.0.0.1:${targetPort}`, '--db', db, '--config', '', ...redis,
    ...(workers > 1 ? ['--workers', String(workers)] : [])], { logPath });
  const until = Date.now() + 15_000;
  for (;;) {
    // Port 0: the kernel picks a free port; the gate's LISTEN line names it.
    const m = existsSync(logPath) ? / LISTEN 127\.0\.0\.1:(\d+) -> /.exec(readFileSync(logPath, 'utf8')) : null;
    // With -workers the primary writes LISTEN once every worker listens (src/gate/workers.ts).
    if (m) return { proc, forward: `127.0.0.1:${m[1]}` };
    if (proc.exited || Date.now() > until) throw new Error(`sshgate did not start: ${existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-300) : proc.code}`);
    await sleep(50);
  }
}
