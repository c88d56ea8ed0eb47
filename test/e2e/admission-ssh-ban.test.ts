/**
 * Auto-ban through OpenSSH: wrong passwords from one source ban it at ban_threshold, counting one
 * failure per rejected password (not OpenSSH's "none" probe); a banned source is dropped before
 * the SSH banner, so it cannot even start key exchange.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startSks5, testHash } from '../helpers/sks5-process.js';

function ssh(port: number, password: string): Promise<{ code: number; stderr: string }> {
  const args = [
    '-p', password, 'ssh', '-p', String(port),
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
    '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1',
    '-o', 'ConnectTimeout=20', 'alice@127.0.0.1', 'exit',
  ];
  return new Promise((resolve) => {
    execFile('sshpass', args, { timeout: 60_000 }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

test('OpenSSH: three wrong passwords ban the source, which is then dropped before the banner', async (t) => {
  const srv = await startSks5(t, `
[server]
ssh_listen = "127.0.0.1:0"

[security]
ban_threshold = 3
ban_window = 300
ban_duration = 600

[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
`, { expect: ['ssh'] });
  const port = srv.ssh!.port;
  // ssh exits 255 for its own failures (auth, connection); anything else means we got a session.
  assert.notEqual((await ssh(port, 'secret')).code, 255, 'the right password works at first');
  assert.equal((await ssh(port, 'wrong1')).code, 255);
  assert.equal((await ssh(port, 'wrong2')).code, 255);
  assert.notEqual((await ssh(port, 'secret')).code, 255, 'two failures (plus OpenSSH\'s "none" probes) are below the threshold');
  assert.equal((await ssh(port, 'wrong3')).code, 255);
  const banned = await ssh(port, 'secret');
  assert.equal(banned.code, 255, 'banned: even the right password fails');
  assert.match(banned.stderr, /closed|reset|kex_exchange_identification/i, banned.stderr);
  assert.doesNotMatch(banned.stderr, /Permission denied/, 'refused before authentication');
});
