import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { MIN_TOKEN_LENGTH } from '../../src/api/auth.js';
import { connectViaUpstream } from '../../src/relay/upstream.js';
import { spawnSks5 } from './cli-run.js';

interface Banner { ssh: string; socks5: string; api: string; token: string; url: string; target: string; dataDir: string }

/** Polls `check` until it returns a value or the deadline passes; no fixed sleeps. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, deadlineMs: number): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

function field(out: string, label: string): string {
  const m = new RegExp(`${label}: +(\\S+)`).exec(out);
  assert.ok(m, `no "${label}" in:\n${out}`);
  return m[1] as string;
}

function readAll(sock: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    sock.on('data', (d: Buffer) => (data += d.toString()));
    sock.once('end', () => sock.end());
    sock.once('error', reject);
    sock.once('close', () => resolve(data));
  });
}

test('demo: real server on loopback, token + dashboard URL, live generated sessions, charlie can proxy, SIGTERM exits 0', { timeout: 120_000 }, async (t) => {
  const child = spawnSks5(['demo', '--ssh-port', '0', '--socks5-port', '0', '--api-port', '0', '--password', 'opensesame']);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let exitedEarly: number | null | undefined;
  void exited.then((c) => { exitedEarly = c; });
  await waitFor('the demo banner', async () => {
    if (exitedEarly !== undefined) throw new Error(`exited ${exitedEarly}:\n${out}`);
    return /dashboard URL: +\S+/.test(out) && /ssh -p \d+ -N -D/.test(out) ? true : undefined;
  }, 60_000);

  const b: Banner = {
    ssh: field(out, 'SSH listen'), socks5: field(out, 'SOCKS5 listen'), api: field(out, 'API listen'),
    token: field(out, 'API token'), url: field(out, 'dashboard URL'), target: field(out, 'demo target'), dataDir: field(out, 'data dir'),
  };
  for (const addr of [b.ssh, b.socks5, b.api]) assert.match(addr, /^127\.0\.0\.1:\d+$/, 'loopback only');
  assert.ok(b.token.length >= MIN_TOKEN_LENGTH, 'the token is long enough for our API');
  assert.notEqual(b.token, 'demo');
  assert.equal(b.url, `http://${b.api}/dashboard#token=${b.token}`);
  assert.ok(existsSync(b.dataDir), 'a temp data dir while running');
  assert.match(out, /password: opensesame/);

  const api = async (path: string, token: string | null = b.token): Promise<{ status: number; body: { data?: unknown } }> => {
    const r = await fetch(`http://${b.api}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: r.status, body: (await r.json()) as { data?: unknown } };
  };
  assert.equal((await api('/api/users', null)).status, 401);
  const users = (await api('/api/users')).body.data as { username: string }[];
  assert.deepEqual(users.map((u) => u.username).sort(), ['alice', 'bob', 'charlie']);
  const page = await fetch(`http://${b.api}/dashboard`);
  assert.equal(page.status, 200);

  // The generated traffic is real: sessions appear in the API and bytes are counted.
  const sessions = await waitFor('live sessions of alice and bob', async () => {
    const s = (await api('/api/sessions')).body.data as { username: string; bytes_down: number; target_host: string }[];
    const who = new Set(s.map((x) => x.username));
    return who.has('alice') && who.has('bob') ? s : undefined;
  }, 30_000);
  assert.ok(sessions.every((s) => s.target_host === '127.0.0.1'));
  await waitFor('bytes counted for alice and bob', async () => {
    const d = (await api('/api/users?details=true')).body.data as { username: string; total_bytes_transferred?: number }[];
    const bytes = (n: string): number => d.find((u) => u.username === n)?.total_bytes_transferred ?? 0;
    return bytes('alice') > 0 && bytes('bob') > 0 ? true : undefined;
  }, 30_000);
  const quota = (await api('/api/quotas/alice')).body.data as { daily_bytes_limit: number };
  assert.ok(quota.daily_bytes_limit > 0, 'alice has a quota to show');

  // charlie through the demo's SOCKS5 listener, to the demo target (the one allowed destination).
  const socks = { host: '127.0.0.1', port: Number(b.socks5.split(':')[1]) };
  const target = new URL(b.target);
  const sock = await connectViaUpstream({ ...socks, username: 'charlie', password: 'opensesame' }, target.hostname, Number(target.port), 5_000);
  const body = readAll(sock);
  sock.write(`GET / HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`);
  assert.match(await body, /Hello from the sks5 demo target/);
  await assert.rejects(connectViaUpstream({ ...socks, username: 'charlie', password: 'wrong' }, target.hostname, Number(target.port), 5_000), /authentication rejected/);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.ok(!existsSync(b.dataDir), 'the temp data dir is removed at exit');
});
