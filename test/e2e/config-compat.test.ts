/**
 * A file written for the original runs here: the built server starts on it with a warning for each
 * place where we are stricter, the users it can authenticate log in with OpenSSH, and what the
 * warnings say is ignored really is (a placeholder hash never logs in).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSks5, testHash, ROOT } from '../helpers/sks5-process.js';

const SSH_OPTS = ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
  '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1', '-o', 'ConnectTimeout=20'];

function ssh(port: number, user: string, password: string, command: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('sshpass', ['-p', password, 'ssh', ...SSH_OPTS, '-p', String(port), `${user}@127.0.0.1`, command], { timeout: 60_000 }, (err, out, errText) => {
      const c = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof c === 'number' ? c : -1) : 0, out, err: errText });
    });
  });
}

test("the original's example file (placeholders, a group with no entry, an unknown key) starts, warns, and serves its real users", async (t) => {
  const original = readFileSync(join(ROOT, 'test', 'fixtures', 'config', 'original-example.toml'), 'utf8')
    .replace('ssh_listen = "127.0.0.1:2222"', 'ssh_listen = "127.0.0.1:0"')
    .replace('listen = "127.0.0.1:9090"', 'listen = "127.0.0.1:0"');
  const toml = `${original}
[[users]]
username = "real"
password_hash = "${await testHash('secret')}"
group = "admins"
`;
  const srv = await startSks5(t, toml, { expect: ['ssh', 'metrics'] });
  t.after(() => srv.stop());
  const warned = srv.logs.filter((l) => l['level'] === 40).map((l) => String(l['msg']));
  for (const expected of [/^server\.future_option: unknown key, ignored$/, /^users\[0\]\.group: no \[\[groups\]\] entry is named "admins"/,
    /^users\[1\]\.authorized_keys\[0\]: .*; this key is ignored$/, /^users\[2\]\.password_hash: not an Argon2 PHC string/]) {
    assert.ok(warned.some((w) => expected.test(w)), `${expected} not in:\n${warned.join('\n')}`);
  }

  const ok = await ssh(srv.ssh!.port, 'real', 'secret', 'whoami');
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out, 'real\n');
  // The group has no entry, so "real" runs with the global settings; the name written is still shown.
  const status = (await ssh(srv.ssh!.port, 'real', 'secret', 'show status')).out;
  assert.match(status, /^Group: +admins$/m);
  assert.match(status, /^Role: +user$/m);
  // The placeholder is not a hash: typing it as the password does not log in.
  const fake = await ssh(srv.ssh!.port, 'testuser', 'argon2id-fakehash-for-testing', 'whoami');
  assert.notEqual(fake.code, 0);
  assert.match(fake.err, /Permission denied/);
});
