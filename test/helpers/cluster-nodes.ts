/**
 * sks5 nodes of one cluster for e2e tests: the TOML of a node on loopback (SOCKS5, SSH, API and
 * metrics on port 0, ban_threshold 3) and the probes the tests use (API, curl, metrics, polling).
 */
import { execFile, spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { startSks5, testHash, type Sks5Process } from './sks5-process.js';

const run = promisify(execFile);
export const TOKEN = 'cluster-e2e-token-0123456789';

/**
 * The TOML of one instance on loopback (SOCKS5, SSH, API and metrics on port 0; guards off, ban
 * after 3 failures): `server` lines go under [server], `extra` after [security] (a table of its own
 * may follow), `userExtra` inside alice's [[users]] entry.
 */
export async function loopbackToml(opts: { server?: string; extra?: string; userExtra?: string; after?: string } = {}): Promise<string> {
  return `
[server]
socks5_listen = "127.0.0.1:0"
ssh_listen = "127.0.0.1:0"
${opts.server ?? ''}
[api]
enabled = true
listen = "127.0.0.1:0"
token = "${TOKEN}"
[metrics]
enabled = true
listen = "127.0.0.1:0"
[security]
ip_guard_enabled = false
ban_threshold = 3
ban_window = 300
ban_duration = 600
${opts.extra ?? ''}
[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
${opts.userExtra ?? ''}
${opts.after ?? ''}
`;
}

export async function nodeToml(name: string, redisUrl: string, extra = '', userExtra = ''): Promise<string> {
  return loopbackToml({ extra: `[cluster]\nredis_url = "${redisUrl}"\nnode_name = "${name}"\n${extra}`, userExtra });
}

export async function startNode(t: Parameters<typeof startSks5>[0], name: string, redisUrl: string, extra = '', userExtra = ''): Promise<Sks5Process> {
  return startSks5(t, await nodeToml(name, redisUrl, extra, userExtra), { expect: ['socks5', 'ssh', 'api', 'metrics'] });
}

export async function api(srv: Sks5Process, path: string, init: RequestInit = {}): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`http://127.0.0.1:${srv.api!.port}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

/** curl through a node's SOCKS5 door from `from`; resolves with curl's exit code (97 = the proxy refused). */
export async function curl(srv: Sks5Process, password: string, url: string, from: string): Promise<number> {
  try {
    await run('curl', ['-sS', '-o', '/dev/null', '--max-time', '20', '--interface', from, '--socks5', `alice:${password}@127.0.0.1:${srv.socks5!.port}`, url]);
    return 0;
  } catch (err) {
    return (err as { code: number }).code;
  }
}

/** curl through a node's SOCKS5 door: exit code and the body bytes that arrived (also when cut). */
export async function download(srv: Sks5Process, url: string, from = '127.0.0.1'): Promise<{ code: number; bytes: number }> {
  try {
    const r = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{size_download}', '--max-time', '20', '--interface', from, '--socks5', `alice:secret@127.0.0.1:${srv.socks5!.port}`, url]);
    return { code: 0, bytes: Number(r.stdout) };
  } catch (err) {
    const e = err as { code: number; stdout?: string };
    return { code: e.code, bytes: Number(e.stdout ?? 0) || 0 };
  }
}

export async function metric(srv: Sks5Process, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${srv.metrics!.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

/** Poll `check` until it is true; resolves with the time it took, rejects after `ms`. */
export async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}


/** An HTTP target whose /hold answer stays open (a tunnel held through a node) until `release` or the test's end; other paths answer "ok". */
export async function holdingTarget(t: TestContext): Promise<{ base: string; release: () => void }> {
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.url === '/hold') { res.writeHead(200, { 'content-length': '2' }); res.write('x'); open.add(res); return; }
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { for (const r of open) r.destroy(); server.closeAllConnections(); server.close(); });
  const release = (): void => { for (const r of open) r.end('x'); open.clear(); };
  return { base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, release };
}

export interface FeedEvent { type: string; timestamp: string; node?: string; data: Record<string, unknown>; seenAt: number }

/** `curl -N` on a node's /api/events: the audit frames it printed, with when the test saw each; `open` once the first snapshot came. */
export function curlSse(t: TestContext, srv: Sks5Process): { seen: FeedEvent[]; open: Promise<void> } {
  const seen: FeedEvent[] = [];
  let opened: () => void = () => undefined;
  const open = new Promise<void>((r) => { opened = r; });
  const child = spawn('curl', ['-sS', '-N', '--max-time', '120', '-H', `Authorization: Bearer ${TOKEN}`, `http://127.0.0.1:${srv.api!.port}/api/events`], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (frame.includes('"type":"status"')) opened();
      if (!frame.includes('event: audit')) continue;
      const data = frame.split('\n').find((l) => l.startsWith('data: '));
      if (data) seen.push({ ...(JSON.parse(data.slice(6)) as FeedEvent), seenAt: performance.now() });
    }
  });
  return { seen, open };
}
