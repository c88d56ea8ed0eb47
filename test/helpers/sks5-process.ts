/**
 * Spawns the built CLI (`bin/sks5`) with a TOML config for end-to-end tests, and reads the bound
 * addresses from its JSON log lines (listeners may use port 0).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { TestContext } from 'node:test';
import { reapOnExit } from './reap.js';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const SKS5_BIN = join(ROOT, 'bin', 'sks5');

export interface Sks5Process {
  child: ChildProcess;
  dir: string;
  configPath: string;
  socks5?: { host: string; port: number };
  http?: { host: string; port: number };
  ssh?: { host: string; port: number };
  api?: { host: string; port: number };
  metrics?: { host: string; port: number };
  /** Every JSON log line seen so far. */
  logs: Record<string, unknown>[];
  waitForLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code when the process exits by itself. */
  exited: Promise<number | null>;
}

function parseAddr(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  let host = s.slice(0, i);
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host, port: Number(s.slice(i + 1)) };
}

/**
 * Start `bin/sks5 --config <file>` with `toml` (logging forced to JSON). Resolves once every
 * configured listener has logged its address.
 */
export async function startSks5(t: TestContext | undefined, toml: string, opts: { args?: string[]; env?: NodeJS.ProcessEnv; expect?: ('socks5' | 'http' | 'ssh' | 'api' | 'metrics')[]; dir?: string } = {}): Promise<Sks5Process> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sks5-e2e-'));
  const configPath = join(dir, 'config.toml');
  const withLog = /\[logging\]/.test(toml) ? toml : `${toml}\n[logging]\nformat = "json"\nlevel = "debug"\n`;
  writeFileSync(configPath, withLog, { mode: 0o600 });
  const child = reapOnExit(spawn(process.execPath, [SKS5_BIN, '--config', configPath, ...(opts.args ?? [])], {
    cwd: dir, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
  }));
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try { logs.push(JSON.parse(line) as Record<string, unknown>); } catch { logs.push({ msg: line, raw: true }); }
    }
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; for (const w of waiters) w(); });
  let exited = false;
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => { exited = true; for (const w of waiters) w(); r(code); }));

  const waitForLog: Sks5Process['waitForLog'] = (pred, timeoutMs = 20000) => new Promise((resolveP, reject) => {
    const check = (): boolean => {
      const hit = logs.find(pred);
      if (hit) { cleanup(); resolveP(hit); return true; }
      if (exited) { cleanup(); reject(new Error(`sks5 exited before the expected log line; stderr:\n${stderr}\nstdout:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`)); return true; }
      return false;
    };
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out waiting for a log line; stderr:\n${stderr}\nlogs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`)); }, timeoutMs);
    const cleanup = (): void => { clearTimeout(timer); waiters.delete(w); };
    const w = (): void => { check(); };
    if (!check()) waiters.add(w);
  });

  const proc: Sks5Process = {
    child, dir, configPath, logs, waitForLog, exited: exit,
    async stop(signal = 'SIGTERM') {
      if (exited) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 15000);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
  t?.after(() => proc.stop('SIGKILL'));
  const expect = opts.expect ?? ['socks5'];
  for (const kind of expect) {
    const line = await waitForLog((l) => typeof l.msg === 'string' && l.listen !== undefined && l.kind === kind);
    proc[kind] = parseAddr(String(line.listen));
  }
  return proc;
}

/** A deterministic test password hash is slow to compute; cache per password within a process. */
const hashCache = new Map<string, Promise<string>>();
export function testHash(password: string): Promise<string> {
  let p = hashCache.get(password);
  if (!p) {
    p = import('argon2').then((a) => a.default.hash(password, { type: a.default.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 }));
    hashCache.set(password, p);
  }
  return p;
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** SOCKS5 and SSH on loopback, port 0 (`startSks5` reads the bound ports from the log). */
export const LOOPBACK_LISTENERS = `[server]
socks5_listen = "127.0.0.1:0"
ssh_listen = "127.0.0.1:0"`;

/** LOOPBACK_LISTENERS with the anti-SSRF guard and auto-ban off, for tests whose targets are on loopback. */
export const LOOPBACK_NO_GUARDS = `${LOOPBACK_LISTENERS}
[security]
ip_guard_enabled = false
ban_enabled = false`;

/** The user `alice` (password `secret`) whose ACL allows everything but 127.0.0.2, as a [[users]] entry. */
export async function aliceDenying127002(): Promise<string> {
  return `[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
[users.acl]
default_policy = "allow"
deny = ["127.0.0.2:*"]`;
}

/** LOOPBACK_LISTENERS plus the management API on loopback with this bearer token. */
export function withApiToml(token: string): string {
  return `${LOOPBACK_LISTENERS}
[api]
enabled = true
listen = "127.0.0.1:0"
token = "${token}"`;
}

/** A loopback HTTP server answering `body` to every request, closed after the test; resolves with its port. */
export async function startHttpTarget(t: TestContext, body = 'ok'): Promise<number> {
  const target = createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  t.after(() => { target.closeAllConnections(); target.close(); });
  return (target.address() as { port: number }).port;
}
