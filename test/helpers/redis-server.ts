/**
 * A real redis-server for one test: a free loopback port, no persistence, stopped by its PID in
 * `after`. `stop()` and `start()` again on the same port let a test take Redis away and bring it back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { reapOnExit } from './reap.js';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kill the server (SIGKILL: what an outage looks like to clients) and wait for it to exit. */
  stop(): Promise<void>;
  /** Start it again on the same port (empty: no persistence). */
  start(): Promise<void>;
  readonly running: boolean;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function launch(port: number, extra: readonly string[]): Promise<ChildProcess> {
  const child = reapOnExit(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] }));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`redis-server did not start on ${port}:\n${out}`)); }, 20_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/Ready to accept connections/i.test(out)) { clearTimeout(timer); resolve(child); }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited (${code}) on ${port}:\n${out}`)); });
  });
}

export async function startRedis(t: TestContext, opts: { password?: string } = {}): Promise<RedisServer> {
  const extra = opts.password ? ['--requirepass', opts.password] : [];
  // Between freePort closing its probe and redis-server binding, a test running in parallel can take
  // the port: try another one rather than fail.
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, extra);
    } catch (err) {
      if (attempt >= 5 || !/Address already in use/.test((err as Error).message)) throw err;
    }
  }
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    process.kill(c.pid!, 'SIGKILL');
    await gone;
  };
  t.after(stop);
  return {
    port,
    url: opts.password ? `redis://default:${encodeURIComponent(opts.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    stop,
    async start() { if (!child) child = await launch(port, extra); },
    get running() { return child !== undefined; },
  };
}
