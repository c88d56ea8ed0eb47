/**
 * Drives an installed sks5/sshgate (npm global install, single executable, container) the way an
 * operator would: by command name, from a directory of its own, with the environment it is given.
 * Every process is started here and stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { TestContext } from 'node:test';

export interface Run { readonly code: number | null; readonly stdout: string; readonly stderr: string; readonly ms: number }

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs to completion with a hard timeout (SIGKILL to the child's own PID); never rejects. */
export function runCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<Run> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const p = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('error', (err) => { stderr += `spawn failed: ${err.message}`; });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

export interface Running {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first capture group of `re` once the output matches it. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<number | null>;
}

/** Starts a long-running command, collecting stdout+stderr; killed after the test if still alive. */
export function startCommand(t: TestContext, cmd: string, args: readonly string[], opts: RunOptions = {}): Running {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer): void => { out += d.toString(); for (const w of waiters) w(); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('error', (err) => { out += `spawn failed: ${err.message}\n`; for (const w of waiters) w(); });
  const exit = new Promise<number | null>((r) => child.once('close', (code) => { for (const w of waiters) w(); r(code); }));
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return {
    child,
    output: () => out,
    waitFor: (re, timeoutMs = 60_000) => new Promise((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(out);
        if (m) { done(); resolve(m[1] ?? m[0]); return; }
        if (child.exitCode !== null || child.signalCode !== null) { done(); reject(new Error(`${cmd} exited (${child.exitCode ?? child.signalCode}) before ${re}:\n${out}`)); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${re}:\n${out}`)); }, timeoutMs);
      const done = (): void => { clearTimeout(timer); waiters.delete(check); };
      waiters.add(check);
      check();
    }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * `sks5 quick-start` on loopback port 0 with a known password; resolves with the bound SOCKS5 and
 * SSH ports read from its log. The anti-SSRF guard is off because the test target is on loopback.
 */
export async function startQuickStart(t: TestContext, cmd: string, opts: RunOptions & { password: string }): Promise<{ run: Running; socks5: number; ssh: number }> {
  const run = startCommand(t, cmd, ['quick-start', '--password', opts.password, '--ssh-listen', '127.0.0.1:0', '--socks5-listen', '127.0.0.1:0', '--set', 'security.ip_guard_enabled=false'], opts);
  const socks5 = Number(await run.waitFor(/SOCKS5 listening on 127\.0\.0\.1:(\d+)/, opts.timeoutMs));
  const ssh = Number(await run.waitFor(/SSH listening on 127\.0\.0\.1:(\d+)/, opts.timeoutMs));
  return { run, socks5, ssh };
}

/** A loopback HTTP server answering `body`, closed after the test; resolves with its port. */
export async function startHttpBody(t: TestContext, body: string): Promise<number> {
  const server = createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return (server.address() as { port: number }).port;
}

/** The real curl through a SOCKS5 proxy with user:password (names resolved by the proxy). */
export function curlViaSocks(socksPort: number, user: string, password: string, url: string): Promise<Run> {
  return runCommand('curl', ['-sS', '--max-time', '20', '--socks5-hostname', `${user}:${password}@127.0.0.1:${socksPort}`, url], { timeoutMs: 30_000 });
}

/** The environment minus every SKS5_* variable, with PATH replaced by `path`. */
export function operatorEnv(path: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SKS5_') && !k.startsWith('npm_') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, PATH: path, ...extra };
}
