/**
 * security.ip_guard_exemptions end to end: curl through the built CLI's SOCKS5 door to loopback
 * HTTP servers, refused by the guard, let through by exactly one CIDR:port exemption.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startSks5, testHash } from '../helpers/sks5-process.js';

const run = promisify(execFile);

async function httpTarget(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => { res.end(`hello from ${req.url}`); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0 };
}

async function curl(proxy: string, url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('curl', ['-sS', '--max-time', '20', '--socks5', `alice:secret@${proxy}`, url]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function config(exemptions: string[]): Promise<string> {
  return `
[server]
socks5_listen = "127.0.0.1:0"
ssh_listen = "127.0.0.1:0"
[security]
ban_enabled = false
ip_guard_exemptions = ${JSON.stringify(exemptions)}
[acl]
default_policy = "allow"
[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
`;
}

test('the guard refuses a loopback target and its log line says which keys let it through', async (t) => {
  const target = await httpTarget();
  t.after(() => target.server.close());
  const srv = await startSks5(t, await config([]));
  const refused = await curl(`${srv.socks5!.host}:${srv.socks5!.port}`, `http://127.0.0.1:${target.port}/`);
  assert.notEqual(refused.code, 0, 'loopback is refused by default');
  const line = await srv.waitForLog((l) => l.code === 'SKS5_DENY_SSRF');
  const msg = String(line.msg);
  assert.match(msg, /anti-SSRF guard \(127\.0\.0\.0\/8 \(loopback\)\)/);
  assert.ok(msg.includes(`security.ip_guard_exemptions = ["127.0.0.1:${target.port}"]`), msg);
  assert.ok(msg.includes('security.ip_guard_enabled = false (--set security.ip_guard_enabled=false)'), msg);
});

test('one exemption lets exactly that address and port through; another port stays refused', async (t) => {
  const allowed = await httpTarget();
  const other = await httpTarget();
  t.after(() => { allowed.server.close(); other.server.close(); });
  const srv = await startSks5(t, await config([`127.0.0.1:${allowed.port}`]));
  const proxy = `${srv.socks5!.host}:${srv.socks5!.port}`;
  const ok = await curl(proxy, `http://127.0.0.1:${allowed.port}/in`);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'hello from /in');
  const no = await curl(proxy, `http://127.0.0.1:${other.port}/out`);
  assert.notEqual(no.code, 0, 'a port the exemption does not name is still refused');
  assert.equal(no.stdout, '');
  const line = await srv.waitForLog((l) => l.code === 'SKS5_DENY_SSRF');
  assert.match(String(line.msg), new RegExp(`127\\.0\\.0\\.1:${other.port} -> 127\\.0\\.0\\.1: anti-SSRF guard`));
});

test('check-config refuses an exemption that names a host or omits the port', async (t) => {
  const { runSks5 } = await import('./cli-run.js');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'sks5-ssrf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'c.toml');
  writeFileSync(file, await config(['localhost:80', '127.0.0.1']));
  const r = await runSks5(['check-config', '-c', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /security\.ip_guard_exemptions\[0\]: invalid exemption "localhost:80": .*host names are not accepted/);
  assert.match(r.stderr, /security\.ip_guard_exemptions\[1\]: invalid exemption "127\.0\.0\.1": an exemption needs a port/);
});
