/**
 * What an OpenSSH user sees at login and in `show acl`: no stray keyboard-interactive title line,
 * and a rule that the global and user ACLs both carry listed once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startSks5, testHash } from '../helpers/sks5-process.js';

test('keyboard-interactive login prints no title line; show acl lists a repeated rule once', async (t) => {
  const srv = await startSks5(t, `
[server]
ssh_listen = "127.0.0.1:0"
banner = "Authorised use only"
[acl]
default_policy = "deny"
allow = ["example.com:443"]
deny = ["10.0.0.0/8:*"]
[[users]]
username = "carol"
password_hash = "${await testHash('pw')}"
[users.acl]
allow = ["example.com:443", "db.local:5432"]
deny = ["10.0.0.0/8:*"]
`, { expect: ['ssh'] });
  // LogLevel INFO (the default) so everything OpenSSH shows a user reaches stderr; keyboard-interactive
  // first, which is what OpenSSH tries before password when both are offered.
  const r = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile('sshpass', ['-p', 'pw', 'ssh', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'PubkeyAuthentication=no',
      '-o', 'PreferredAuthentications=keyboard-interactive', '-o', 'ConnectTimeout=20', '-p', String(srv.ssh!.port), 'carol@127.0.0.1', 'show acl'],
    { timeout: 60_000 }, (err, out, errText) => {
      const c = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof c === 'number' ? c : -1) : 0, out, err: errText });
    });
  });
  assert.equal(r.code, 0, r.err);
  const shown = r.err.split(/\r?\n/).filter((l) => l !== '' && !l.startsWith('Warning: Permanently added'));
  assert.deepEqual(shown, ['Authorised use only'], 'the banner and nothing else');
  assert.equal(r.out.match(/^ {2}example\.com:443$/gm)?.length, 1, r.out);
  assert.equal(r.out.match(/^ {2}10\.0\.0\.0\/8:\*$/gm)?.length, 1, r.out);
  assert.match(r.out, /^ {2}db\.local:5432$/m);
});
