/**
 * sshgate's engine inside sks5: the SSH door records each client's KEXINIT fingerprint and HASSH
 * in the sshgate-format store, and `require_approved_fingerprint` refuses unapproved clients until
 * `sshgate approve` marks them approved (read live, no restart).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSks5, testHash, ROOT } from '../helpers/sks5-process.js';

const run = promisify(execFile);

async function sshEcho(port: number): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('sshpass', ['-p', 'secret', 'ssh', '-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'ConnectTimeout=10', '-p', String(port), 'alice@127.0.0.1', 'whoami'], { timeout: 30000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

test('SSH client fingerprints are recorded and required approval is enforced live', async (t) => {
  const srv = await startSks5(t, `
[server]
ssh_listen = "127.0.0.1:0"
[security]
ban_enabled = false
[persistence]
data_dir = "data"
[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
require_approved_fingerprint = true
`, { expect: ['ssh'] });
  const db = join(srv.dir, 'data', 'fingerprints.db');

  const refused = await sshEcho(srv.ssh!.port);
  assert.notEqual(refused.code, 0, 'unapproved client refused');
  const seen = await srv.waitForLog((l) => l.msg === 'SSH client fingerprint');
  const fp = String(seen.fingerprint);
  // OpenSSH prints the DISCONNECT text: the client learns it is not approved yet, and which
  // fingerprint to have approved (its own), nothing about the server's rules or other clients.
  assert.match(refused.stderr, new RegExp(`Received disconnect from 127\\.0\\.0\\.1 port \\d+:11: this SSH client is not approved yet: ask an administrator to approve its fingerprint ${fp}`), refused.stderr);
  assert.doesNotMatch(refused.stderr, /require_approved_fingerprint|pending|alice/);
  assert.match(fp, /^[0-9a-f]{32}$/);
  assert.match(String(seen.hassh), /^[0-9a-f]{32}$/);
  assert.match(String(seen.client), /^SSH-2\.0-OpenSSH/);
  assert.ok(srv.logs.some((l) => String(l.msg).includes('require_approved_fingerprint')), 'refusal logged with its reason');

  // the store is sshgate's format: its CLI lists and approves the fingerprint sks5 recorded
  const list = await run(process.execPath, [join(ROOT, 'bin', 'sshgate'), 'list', '--db', db]);
  assert.match(list.stdout, new RegExp(fp));
  await run(process.execPath, [join(ROOT, 'bin', 'sshgate'), 'approve', '--db', db, '--label', 'e2e', fp.slice(0, 10)]);

  const ok = await sshEcho(srv.ssh!.port);
  assert.doesNotMatch(ok.stderr, /Permission denied/);
  await srv.waitForLog((l) => l.msg === 'authenticated' && l.user === 'alice');
});
