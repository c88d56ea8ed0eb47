/**
 * The audit log of the built server, written for real clients (curl through SOCKS5, OpenSSH with
 * a password, `ssh -W` through the SSH door): the original's field names and values are there,
 * e.g. `method: "socks5"` on SOCKS5 auth events, which log pipelines built on the original match.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startHttpTarget, startSks5, testHash, LOOPBACK_NO_GUARDS } from '../helpers/sks5-process.js';

const run = promisify(execFile);
const SSH_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
  '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'ConnectTimeout=20'];
const BODY = 'y'.repeat(2000);

type Line = Record<string, unknown>;

/** Audit lines matching `pred`, waiting (bounded) for at least `n` of them. */
async function lines(path: string, pred: (l: Line) => boolean, n = 1, timeoutMs = 15_000): Promise<Line[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) : [];
    const hits = all.filter(pred);
    if (hits.length >= n) return hits;
    if (Date.now() > deadline) throw new Error(`expected ${n} matching audit lines, got ${hits.length}:\n${all.map((l) => JSON.stringify(l)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("audit lines carry the original's field names and values for SOCKS5 and SSH clients", async (t) => {
  const port = await startHttpTarget(t, BODY);
  const hash = await testHash('secret');
  const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'sks5-audit-e2e-'));
  const audit = join(dir, 'audit.log');
  const srv = await startSks5(t, `
${LOOPBACK_NO_GUARDS}
[logging]
format = "json"
audit_log_path = "${audit}"
[[users]]
username = "alice"
password_hash = "${hash}"
`, { expect: ['socks5', 'ssh'], dir });
  const proxy = `127.0.0.1:${srv.socks5!.port}`;

  // SOCKS5: a good and a bad password through curl.
  const ok = await run('curl', ['-sS', '--max-time', '20', '--socks5', `alice:secret@${proxy}`, `http://127.0.0.1:${port}/`]);
  assert.equal(ok.stdout, BODY);
  await assert.rejects(run('curl', ['-sS', '--max-time', '20', '--socks5', `alice:wrong@${proxy}`, `http://127.0.0.1:${port}/`]));

  const [success] = await lines(audit, (l) => l['event_type'] === 'auth.success' && l['protocol'] === 'socks5');
  assert.equal(success!['username'], 'alice');
  assert.equal(success!['method'], 'socks5', "the original's value on the SOCKS5 door");
  assert.equal(success!['auth_method'], 'password', 'our credential label beside it');
  assert.match(String(success!['source_ip']), /127\.0\.0\.1/);
  assert.match(String(success!['timestamp']), /^\d{4}-\d\d-\d\dT/);
  assert.equal(typeof success!['correlation_id'], 'string');
  const [failure] = await lines(audit, (l) => l['event_type'] === 'auth.failure' && l['protocol'] === 'socks5');
  assert.deepEqual([failure!['username'], failure!['method']], ['alice', 'socks5']);
  const [authed] = await lines(audit, (l) => l['event_type'] === 'session.authenticated' && l['protocol'] === 'socks5');
  assert.equal(authed!['method'], 'password', 'session.authenticated names the credential, as in the original');
  const [complete] = await lines(audit, (l) => l['event_type'] === 'proxy.complete' && l['protocol'] === 'socks5');
  assert.equal(complete!['target_host'], '127.0.0.1');
  assert.equal(complete!['target_port'], port);
  assert.ok(Number(complete!['bytes_downloaded']) >= BODY.length, `bytes_downloaded ${String(complete!['bytes_downloaded'])}`);
  assert.ok(Number(complete!['bytes_uploaded']) > 0);
  assert.equal(complete!['bytes_transferred'], Number(complete!['bytes_uploaded']) + Number(complete!['bytes_downloaded']));
  assert.equal(typeof complete!['duration_ms'], 'number');
  assert.equal(complete!['resolved_ip'], '127.0.0.1');
  assert.equal(success!['correlation_id'], complete!['correlation_id'], 'one correlation id per connection');

  // SSH: OpenSSH with a password, carrying one HTTP request over `ssh -W` (a direct-tcpip channel).
  const request = 'GET / HTTP/1.0\r\nHost: x\r\n\r\n';
  const child = execFile('sshpass', ['-p', 'secret', 'ssh', ...SSH_OPTS, '-p', String(srv.ssh!.port), '-W', `127.0.0.1:${port}`, 'alice@127.0.0.1'], { timeout: 60_000 });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stdin!.end(request);
  await new Promise<void>((r) => child.once('close', () => r()));
  assert.match(out, new RegExp(`${BODY}$`));

  const [sshOk] = await lines(audit, (l) => l['event_type'] === 'auth.success' && l['protocol'] === 'ssh');
  assert.deepEqual([sshOk!['username'], sshOk!['method']], ['alice', 'password']);
  const [sshAuthed] = await lines(audit, (l) => l['event_type'] === 'session.authenticated' && l['protocol'] === 'ssh');
  assert.equal(sshAuthed!['method'], 'password');
  const [ended] = await lines(audit, (l) => l['event_type'] === 'session.ended');
  assert.equal(ended!['username'], 'alice');
  assert.equal(typeof ended!['duration_secs'], 'number');
  assert.ok(Number(ended!['total_bytes']) >= BODY.length + request.length, `total_bytes ${String(ended!['total_bytes'])}`);
  const [newConn] = await lines(audit, (l) => l['event_type'] === 'connection.new' && l['protocol'] === 'ssh');
  assert.match(String(newConn!['source_ip']), /127\.0\.0\.1/);
});
