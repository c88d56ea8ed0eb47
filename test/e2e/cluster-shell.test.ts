/**
 * Shell data spans the cluster: commands typed through OpenSSH in a shell on node A (no pty, lines
 * piped) are in `history` on node B, a bookmark added on A is listed on B, and B's MOTD names the
 * login made on A as the last one. With Redis stopped, B still serves a login from its own copy
 * (the one it took from the cluster at its last login). A shell held open on A while Redis
 * restarts empty sends A's whole history back with its next line, so B loses nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { startRedis } from '../helpers/redis-server.js';
import { api, startNode, until } from '../helpers/cluster-nodes.js';
import type { Sks5Process } from '../helpers/sks5-process.js';

const SSH_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
  '-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'PubkeyAuthentication=no', '-o', 'ConnectTimeout=20'];

/** OpenSSH as alice: `command` as exec, or a shell without a pty fed `input`. */
function ssh(srv: Sks5Process, command: string | undefined, input = ''): Promise<{ code: number; out: string; ms: number }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const args = ['-p', 'secret', 'ssh', ...SSH_OPTS, '-T', '-p', String(srv.ssh!.port), 'alice@127.0.0.1', ...(command ? [command] : [])];
    const child = execFile('sshpass', args, { timeout: 60_000 }, (err, out) => {
      const c = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof c === 'number' ? c : -1) : 0, out, ms: performance.now() - start });
    });
    child.stdin!.end(input);
  });
}

const MOTD = '[motd]\ntemplate = "last login: {last_login}"\n';

test('history, a bookmark and the last login made on A are what B shows; B falls back to its own copy without Redis', async (t) => {
  const redis = await startRedis(t);
  const a = await startNode(t, 'node-a', redis.url, MOTD);
  const b = await startNode(t, 'node-b', redis.url, MOTD);
  await until(async () => (await api(b, '/api/cluster')).body.data.nodes.length === 2, 10_000, 'B sees A');

  const onA = await ssh(a, undefined, 'bookmark add web example.com:443\nshow status\nexit\n');
  assert.equal(onA.code, 0, onA.out);
  assert.match(onA.out, /last login: first login/);

  const motdB = await ssh(b, undefined, 'exit\n');
  assert.equal(motdB.code, 0);
  assert.match(motdB.out, /last login: /);
  assert.doesNotMatch(motdB.out, /first login/, "B's MOTD names the login made on A");

  const history = await ssh(b, 'history');
  assert.equal(history.code, 0);
  assert.match(history.out, /bookmark add web example\.com:443/);
  assert.match(history.out, /show status/);
  const marks = await ssh(b, 'bookmark list');
  assert.match(marks.out, /web\s+example\.com:443/);
  t.diagnostic(`ssh exec on B (login with the cluster read): ${Math.round(marks.ms)} ms`);

  // A line typed on B is on A at A's next login.
  assert.equal((await ssh(b, undefined, 'show quota\nexit\n')).code, 0);
  assert.match((await ssh(a, 'history')).out, /show quota/);

  await redis.stop();
  await until(async () => (await api(b, '/api/health')).body.data.status === 'degraded', 10_000, 'B notices Redis is gone');
  const alone = await ssh(b, 'history');
  assert.equal(alone.code, 0);
  assert.match(alone.out, /bookmark add web example\.com:443/, "B's own copy, taken from the cluster at its last login");
  t.diagnostic(`ssh exec on B with Redis down: ${Math.round(alone.ms)} ms`);

  // A shell held open on A while Redis restarts empty: the next line sends A's whole history back.
  await redis.start();
  for (const srv of [a, b]) await until(async () => (await api(srv, '/api/health')).body.data.status === 'ok', 20_000, 'reconnected');
  const held = spawn('sshpass', ['-p', 'secret', 'ssh', ...SSH_OPTS, '-T', '-p', String(a.ssh!.port), 'alice@127.0.0.1'], { stdio: ['pipe', 'pipe', 'ignore'] });
  t.after(() => { if (held.exitCode === null) held.kill('SIGKILL'); });
  let out = '';
  held.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const prompts = (): number => (out.match(/\$ /g) ?? []).length;
  await until(async () => prompts() >= 1, 10_000, 'the held shell shows its prompt');
  held.stdin.write('show status\n');
  await until(async () => prompts() >= 2, 10_000, 'the first command ran');
  await redis.stop();
  await redis.start();
  for (const srv of [a, b]) await until(async () => (await api(srv, '/api/health')).body.data.status === 'ok', 20_000, 'reconnected to the empty Redis');
  const exited = new Promise((r) => held.once('exit', r));
  held.stdin.end('whoami\nexit\n');
  await exited;
  const after = await ssh(b, 'history');
  for (const line of ['bookmark add web example.com:443', 'show quota', 'show status', 'whoami']) assert.ok(after.out.includes(line), `B's history after the empty restart has "${line}":\n${after.out}`);
});
