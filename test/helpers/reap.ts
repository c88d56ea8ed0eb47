/**
 * Servers a test file started must not outlive it. `t.after` stops them when a test ends, but a file
 * the runner kills for its timeout (SIGTERM) or a crash of the file never runs it, and an sks5 or
 * redis-server left behind holds its port and a core for the next files. Every child registered
 * here is sent SIGKILL when this process exits, however it exits short of SIGKILL.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let installed = false;

function killAll(): void {
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null) {
      try { c.kill('SIGKILL'); } catch { /* gone meanwhile */ }
    }
  }
  live.clear();
}

/** Registers `child` to be killed when this test process exits; returns it. */
export function reapOnExit<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!installed) {
    installed = true;
    process.on('exit', killAll);
    for (const [sig, n] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]] as const) {
      process.once(sig, () => { killAll(); process.exit(128 + n); });
    }
  }
  return child;
}
