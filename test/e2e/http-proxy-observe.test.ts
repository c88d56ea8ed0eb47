/**
 * The HTTP proxy door as a first-class citizen: its tunnels in the shell's `show connections`
 * (OpenSSH), its door in the metrics' protocol label and in the audit log, and its failed
 * logins counted toward bans like the other doors'.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSks5, testHash } from '../helpers/sks5-process.js';
import { curl, exec, startOrigin } from '../helpers/http-proxy.js';

const SSH_OPTS = ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
  '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'ConnectTimeout=20'];

async function auditLines(path: string, pred: (l: Record<string, unknown>) => boolean, timeoutMs = 15000): Promise<Record<string, unknown>[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
    const hits = lines.filter(pred);
    if (hits.length > 0 || Date.now() > until) return hits;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('shell show connections, metrics label, audit records and bans for the http door', async (t) => {
  const origin = await startOrigin(t);
  const dir = mkdtempSync(join(tmpdir(), 'sks5-http-observe-'));
  const audit = join(dir, 'audit.jsonl');
  const srv = await startSks5(t, `
[server]
ssh_listen = "127.0.0.1:0"
http_proxy_listen = "127.0.0.1:0"
[metrics]
enabled = true
listen = "127.0.0.1:0"
[security]
ip_guard_enabled = false
ban_enabled = true
ban_threshold = 3
ban_whitelist = []
[logging]
format = "json"
level = "debug"
audit_log_path = "${audit}"
[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
`, { expect: ['http', 'ssh', 'metrics'], dir });

  // a CONNECT tunnel held open while the shell and the metrics look at it
  const held = connect(srv.http!.port, '127.0.0.1');
  t.after(() => held.destroy());
  await new Promise<void>((r) => held.once('connect', () => r()));
  held.write(`CONNECT 127.0.0.1:${origin.port} HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nProxy-Authorization: Basic ${Buffer.from('alice:secret').toString('base64')}\r\n\r\n`);
  await new Promise<void>((r) => held.once('data', (d: Buffer) => { assert.match(d.toString(), /^HTTP\/1\.1 200 Connection Established\r\n\r\n$/); r(); }));

  const show = await exec('sshpass', ['-p', 'secret', 'ssh', ...SSH_OPTS, '-p', String(srv.ssh!.port), 'alice@127.0.0.1', 'show connections']);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, new RegExp(`127\\.0\\.0\\.1:${origin.port}\\s+http\\s`), show.stdout);

  const metrics = await (await fetch(`http://127.0.0.1:${srv.metrics!.port}/metrics`)).text();
  assert.match(metrics, /sks5_connections_total\{protocol="http"\} [1-9]/);
  assert.match(metrics, /sks5_transport_connections_active\{protocol="http"\} [1-9]/);

  const [success] = await auditLines(audit, (l) => l['event_type'] === 'auth.success' && l['protocol'] === 'http');
  assert.ok(success, 'auth.success on the http door');
  assert.equal(success['username'], 'alice');
  assert.equal(success['method'], 'http');
  assert.equal(success['auth_method'], 'password');
  const [start] = await auditLines(audit, (l) => l['event_type'] === 'proxy.start' && l['protocol'] === 'http');
  assert.equal(start?.['target_port'], origin.port);

  // wrong passwords count toward the ban like on the other doors; then the source is refused (403, banned)
  for (let i = 0; i < 3; i++) {
    const r = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-x', `http://alice:wrong${i}@127.0.0.1:${srv.http!.port}`, `http://127.0.0.1:${origin.port}/`]);
    assert.equal(r.stdout, '407');
  }
  const [ban] = await auditLines(audit, (l) => l['event_type'] === 'ban.created' && l['ip'] === '127.0.0.1');
  assert.ok(ban, 'three failed logins on the http door ban the source');
  const banned = await curl(['-i', '-x', `http://alice:secret@127.0.0.1:${srv.http!.port}`, `http://127.0.0.1:${origin.port}/`]);
  assert.match(banned.stdout, /^HTTP\/1\.1 403/);
  assert.match(banned.stdout, /SKS5_DENY_BANNED/);
  const [failure] = await auditLines(audit, (l) => l['event_type'] === 'auth.failure' && l['protocol'] === 'http');
  assert.equal(failure?.['method'], 'http');
  assert.ok(!readFileSync(audit, 'utf8').includes('wrong0'), 'no password in the audit log');
});
