/**
 * Shell aliases persist like bookmarks: added over OpenSSH in one session, listed and run in a
 * session of a restarted server on the same data dir.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSks5, testHash, type Sks5Process } from '../helpers/sks5-process.js';

const SSH_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
  '-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'PubkeyAuthentication=no', '-o', 'ConnectTimeout=20'];

function ssh(srv: Sks5Process, command: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('sshpass', ['-p', 'pw', 'ssh', ...SSH_OPTS, '-p', String(srv.ssh!.port), 'alice@127.0.0.1', command], { timeout: 60_000 }, (err, out, errText) => {
      const c = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof c === 'number' ? c : -1) : 0, out, err: errText });
    });
  });
}

test('alias add survives a restart, like bookmark add; alias del is kept too', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-e2e-alias-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const toml = `
[server]
ssh_listen = "127.0.0.1:0"
shutdown_timeout = 1
[persistence]
data_dir = "${join(dir, 'data')}"
[[users]]
username = "alice"
password_hash = "${await testHash('pw')}"
`;
  const first = await startSks5(t, toml, { expect: ['ssh'], dir });
  assert.equal((await ssh(first, 'alias add st show status')).code, 0);
  assert.equal((await ssh(first, 'alias add gone show acl')).code, 0);
  assert.equal((await ssh(first, 'bookmark add web example.com:443')).code, 0);
  assert.equal((await ssh(first, 'alias del gone')).code, 0);
  await first.stop();

  const second = await startSks5(t, toml, { expect: ['ssh'], dir });
  const list = await ssh(second, 'alias');
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^alias st='show status'$/m);
  assert.doesNotMatch(list.out, /gone/);
  assert.match((await ssh(second, 'bookmark list')).out, /web/);
  const run = await ssh(second, 'st');
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /alice/);
  assert.equal(run.err, '', 'no stray line on stderr at login');
  await second.stop();
});
