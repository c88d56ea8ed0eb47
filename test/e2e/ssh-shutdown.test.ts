/**
 * SIGTERM with a live SSH client: the listener stops accepting at once, the drain waits at most
 * shutdown_timeout, then the SSH connection is closed (the client sees it) and the process exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSks5, testHash } from '../helpers/sks5-process.js';
import { COMMON_SSH_OPTS, freePort, startProcess, stop, waitForPort } from '../fixtures/ssh/harness.js';

test('SIGTERM closes established SSH connections after the drain and exits', async (t) => {
  const srv = await startSks5(t, `
[server]
ssh_listen = "127.0.0.1:0"
shutdown_timeout = 2

[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
`, { expect: ['ssh'] });
  const dport = await freePort();
  const p = startProcess('sshpass', ['-p', 'secret', 'ssh', ...COMMON_SSH_OPTS, '-o', 'ExitOnForwardFailure=yes', '-o', 'PreferredAuthentications=password',
    '-N', '-D', `127.0.0.1:${dport}`, '-p', String(srv.ssh!.port), 'alice@127.0.0.1']);
  t.after(() => stop(p.child));
  assert.ok(await waitForPort(dport, p.child), p.output());
  const clientExit = new Promise<void>((r) => p.child.once('exit', () => r()));
  const started = Date.now();
  const code = await srv.stop('SIGTERM');
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 12_000, `exited after ${Date.now() - started} ms`);
  const ended = await Promise.race([clientExit.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
  assert.ok(ended, 'the ssh client saw the connection close');
});
