/**
 * Port forwarding through the SSH door with the real OpenSSH client: ssh -D and ssh -L carry curl
 * to a local HTTP server; ACL and allow_forwarding denials reach the client as channel-open
 * failures with a reason; -R is refused; kick closes the SSH connection.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { COMMON_SSH_OPTS, askpass, fastHash, freePort, makeKey, run, startHarness, startProcess, stop, waitForPort, type Harness } from '../fixtures/ssh/harness.js';

let h: Harness;
let key: { path: string; pub: string };

before(async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const keyDir = mkdtempSync(join(tmpdir(), 'sks5-keys-'));
  key = await makeKey(keyDir, 'alice_key');
  const pw = await fastHash('secret');
  h = await startHarness({
    users: [
      { username: 'alice', password_hash: pw, authorized_keys: [key.pub] },
      { username: 'denied', password_hash: pw, acl: { default_policy: 'deny', allow: ['example.invalid:443'] } },
      { username: 'noforward', password_hash: pw, allow_forwarding: false },
    ],
  });
});
after(async () => { await h?.close(); });

function sshArgs(user: string, extra: string[]): string[] {
  return [...COMMON_SSH_OPTS, '-o', 'ExitOnForwardFailure=yes', '-o', 'PreferredAuthentications=password', '-p', String(h.sshPort), ...extra, `${user}@127.0.0.1`];
}

test('ssh -D: curl through the dynamic forward reaches the target, audited as a tunnel', async (t) => {
  const dport = await freePort();
  const p = startProcess('sshpass', ['-p', 'secret', 'ssh', ...sshArgs('alice', ['-N', '-D', `127.0.0.1:${dport}`])]);
  t.after(() => stop(p.child));
  assert.ok(await waitForPort(dport, p.child), `ssh -D did not come up: ${p.output()}`);
  const r = await run('curl', ['-sS', '--max-time', '20', '--socks5-hostname', `127.0.0.1:${dport}`, `http://127.0.0.1:${h.httpPort}/via-D`]);
  assert.equal(r.stdout, 'hello from target /via-D\n', r.stderr);
  const start = h.events.find((e) => e.type === 'proxy.start' && e.data.username === 'alice');
  assert.ok(start, 'proxy.start emitted');
  assert.ok(h.events.some((e) => e.type === 'auth.success' && e.data.username === 'alice' && e.data.method === 'password'));
});

test('ssh -L with a public key: curl to the local end reaches the target', async (t) => {
  const lport = await freePort();
  const p = startProcess('ssh', [...COMMON_SSH_OPTS, '-o', 'ExitOnForwardFailure=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', key.path,
    '-o', 'PreferredAuthentications=publickey', '-p', String(h.sshPort), '-N', '-L', `127.0.0.1:${lport}:127.0.0.1:${h.httpPort}`, 'alice@127.0.0.1']);
  t.after(() => stop(p.child));
  assert.ok(await waitForPort(lport, p.child), `ssh -L did not come up: ${p.output()}`);
  const r = await run('curl', ['-sS', '--max-time', '20', `http://127.0.0.1:${lport}/via-L`]);
  assert.equal(r.stdout, 'hello from target /via-L\n', r.stderr);
  const ok = h.events.find((e) => e.type === 'auth.success' && e.data.method === 'publickey');
  assert.ok(ok && ok.type === 'auth.success' && ok.data.key_fingerprint?.startsWith('SHA256:'));
});

test('ACL denial over -L: the client prints the channel open failure with our reason', async (t) => {
  const lport = await freePort();
  const p = startProcess('ssh', sshArgs('denied', ['-N', '-L', `127.0.0.1:${lport}:127.0.0.1:${h.httpPort}`]), askpass(h.dir, 'secret', () => '').env);
  t.after(() => stop(p.child));
  assert.ok(await waitForPort(lport, p.child), p.output());
  const r = await run('curl', ['-sS', '--max-time', '20', `http://127.0.0.1:${lport}/`]);
  assert.notEqual(r.code, 0, 'curl fails');
  const deadline = Date.now() + 10_000;
  while (!/open failed/.test(p.output()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  assert.match(p.output(), /open failed: administratively prohibited: /);
  assert.ok(h.events.some((e) => e.type === 'acl.deny' && e.data.username === 'denied' && e.data.code === 'SKS5_DENY_ACL'));
});

test('allow_forwarding = false: the channel is refused with a clear reason', async (t) => {
  const lport = await freePort();
  const p = startProcess('ssh', sshArgs('noforward', ['-N', '-L', `127.0.0.1:${lport}:127.0.0.1:${h.httpPort}`]), askpass(h.dir, 'secret', () => '').env);
  t.after(() => stop(p.child));
  assert.ok(await waitForPort(lport, p.child), p.output());
  await run('curl', ['-sS', '--max-time', '20', `http://127.0.0.1:${lport}/`]);
  const deadline = Date.now() + 10_000;
  while (!/open failed/.test(p.output()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  assert.match(p.output(), /administratively prohibited: port forwarding is disabled for this account/);
});

test('ssh -R is refused', async () => {
  const r = await run('sshpass', ['-p', 'secret', 'ssh', ...sshArgs('alice', ['-N', '-R', '0:127.0.0.1:80'])], { timeoutMs: 30_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /remote port forwarding failed/);
});

test('kick closes the SSH connection itself, not only its tunnels', async (t) => {
  const dport = await freePort();
  const p = startProcess('sshpass', ['-p', 'secret', 'ssh', ...sshArgs('alice', ['-N', '-D', `127.0.0.1:${dport}`])]);
  t.after(() => stop(p.child));
  assert.ok(await waitForPort(dport, p.child), p.output());
  const conns = h.running.sessions.byUser('alice').filter((c) => c.door === 'ssh');
  assert.ok(conns.length >= 1, 'registered with user');
  assert.equal(conns[0]?.authMethod, 'password');
  const exited = new Promise<number | null>((res) => p.child.once('exit', (code) => res(code)));
  assert.ok(h.running.sessions.kick('alice', 'test kick') >= 1);
  const code = await Promise.race([exited, new Promise<string>((res) => setTimeout(() => res('timeout'), 15_000))]);
  assert.notEqual(code, 'timeout', 'ssh exited after the kick');
});

test('banner and server identification are sent', async () => {
  const net = await import('node:net');
  const ident = await new Promise<string>((resolve, reject) => {
    const s = net.connect(h.sshPort, '127.0.0.1');
    let buf = '';
    s.on('data', (d) => { buf += d.toString('latin1'); if (buf.includes('\r\n')) { s.destroy(); resolve(buf.split('\r\n')[0] ?? ''); } });
    s.on('error', reject);
    setTimeout(() => { s.destroy(); reject(new Error('no ident')); }, 10_000);
  });
  assert.equal(ident, 'SSH-2.0-sks5');
  const a = askpass(h.dir, 'secret', () => '000000');
  const r = await run('ssh', [...COMMON_SSH_OPTS, '-o', 'PreferredAuthentications=password', '-p', String(h.sshPort), 'alice@127.0.0.1', 'help'], { env: a.env });
  assert.match(r.stderr, /Welcome to sks5/);
});
