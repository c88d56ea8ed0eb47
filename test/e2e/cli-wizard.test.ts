import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyPassword } from '../../src/auth/password.js';
import { parseConfigText } from '../../src/config/load.js';
import { SCRIPTED_ANSWERS, TYPED_PASSWORD } from '../unit/cli/wizard-answers.js';
import { runSks5, spawnSks5 } from './cli-run.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'sks5-wizard-e2e-'));

function readBytes(sock: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= n) { sock.off('data', onData); resolve(buf); }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.once('close', () => reject(new Error(`closed after ${buf.length} bytes`)));
  });
}

test('wizard --non-interactive: check-config accepts the file, and the printed password and token work on the running server', { timeout: 120_000 }, async (t) => {
  const cwd = dir();
  const file = join(cwd, 'config.toml');
  const r = await runSks5(['wizard', '--non-interactive', '--output', file], { cwd });
  assert.equal(r.code, 0, r.stderr);
  const password = /password: (\S+)/.exec(r.stdout)?.[1] ?? '';
  const token = /API token: (\S+)/.exec(r.stdout)?.[1] ?? '';
  assert.match(r.stdout, /username: admin/);
  assert.ok(password.length >= 20 && token.length >= 16, r.stdout);

  const check = await runSks5(['check-config', '-c', file], { cwd });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /Configuration OK/);

  // Run it on loopback ports chosen by the kernel; everything else as written.
  const loopback = ['server.ssh_listen', 'server.socks5_listen', 'api.listen', 'metrics.listen'].flatMap((k) => ['--set', `${k}=127.0.0.1:0`]);
  const child = spawnSks5(['-c', file, '--data-dir', join(cwd, 'data'), ...loopback], { cwd });
  const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let out = '';
  const ports = await new Promise<{ socks: number; api: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`listeners not announced:\n${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const s = /SOCKS5 listening on 127\.0\.0\.1:(\d+)/.exec(out);
      const a = /API listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (s && a) { clearTimeout(timer); resolve({ socks: Number(s[1]), api: Number(a[1]) }); }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((c) => { clearTimeout(timer); reject(new Error(`exited ${c}:\n${out}`)); });
  });

  const sock = connect(ports.socks, '127.0.0.1');
  t.after(() => sock.destroy());
  await new Promise<void>((res) => sock.once('connect', res));
  sock.write(Buffer.from([5, 1, 2]));
  assert.deepEqual([...(await readBytes(sock, 2))], [5, 2]);
  sock.write(Buffer.concat([Buffer.from([1, 5]), Buffer.from('admin'), Buffer.from([password.length]), Buffer.from(password)]));
  assert.deepEqual([...(await readBytes(sock, 2))], [1, 0], 'the printed password authenticates');
  sock.destroy();

  const users = await fetch(`http://127.0.0.1:${ports.api}/api/users`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(users.status, 200, 'the printed token is accepted');
  assert.deepEqual(((await users.json()) as { data: { username: string }[] }).data.map((u) => u.username), ['admin']);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
});

test('wizard refuses to overwrite an existing file unless --force', async () => {
  const cwd = dir();
  const file = join(cwd, 'config.toml');
  writeFileSync(file, '# mine\n');
  const r = await runSks5(['wizard', '--non-interactive', '-o', file], { cwd });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /already exists/);
  assert.equal(readFileSync(file, 'utf8'), '# mine\n');
  assert.equal((await runSks5(['wizard', '--non-interactive', '--force', '-o', file], { cwd })).code, 0);
  assert.equal((await runSks5(['check-config', '-c', file], { cwd })).code, 0);
});

test('wizard --interactive with answers piped into the real process', async () => {
  const cwd = dir();
  const file = join(cwd, 'config.toml');
  const r = await runSks5(['wizard', '--interactive', '-o', file], { cwd, input: SCRIPTED_ANSWERS.map((a) => `${a}\n`).join('') });
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, /! acl\.allow\[1\]: invalid ACL rule "bad:rule"/, 'the invalid rule was re-asked');
  const { config } = parseConfigText(readFileSync(file, 'utf8'), file);
  assert.equal(config.server.ssh_listen, '127.0.0.1:2022');
  assert.equal(config.users[0]?.username, 'bob');
  assert.ok(await verifyPassword(config.users[0]?.password_hash, Buffer.from(TYPED_PASSWORD)));
  assert.deepEqual(config.acl.allow, ['example.com:443', '*.internal.example:22']);
  assert.equal(config.api.enabled, false);
  assert.equal((await runSks5(['check-config', '-c', file], { cwd })).code, 0);
});
