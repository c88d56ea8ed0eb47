import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyPassword } from '../../src/auth/password.js';
import { parseConfigText } from '../../src/config/load.js';
import { SCRIPTED_ANSWERS, TYPED_PASSWORD } from '../unit/cli/wizard-answers.js';
import { BIN, runSks5, spawnSks5 } from './cli-run.js';

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
  // What the output claims about storage is what the file holds: the password only as a hash,
  // the API token in clear (it is a bearer secret compared as written).
  assert.doesNotMatch(r.stdout, /only hashes are stored/);
  assert.match(r.stdout, /API token is stored in clear as api\.token/);
  const written = readFileSync(file, 'utf8');
  assert.ok(!written.includes(password) && written.includes(token), 'file: password hashed, token in clear');

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

test('wizard on a real terminal (a private tmux server): prompts, hidden password typed twice, file written', { timeout: 120_000 }, async (t) => {
  const cwd = dir();
  const file = join(cwd, 'config.toml');
  const sock = join(cwd, 'tmux.sock');
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-u', '-S', sock, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
  t.after(() => { try { tmux('kill-server'); } catch { /* gone */ } });
  let screen = '';
  const lastLine = (): string => {
    try { screen = tmux('capture-pane', '-p', '-J', '-t', 'wz'); } catch { /* the pane is gone; keep the last screen */ }
    return screen.trimEnd().split('\n').pop() ?? '';
  };
  const waitFor = async (re: RegExp, what: string): Promise<void> => {
    for (let i = 0; i < 300; i++) {
      if (re.test(lastLine())) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}; screen:\n${screen}`);
  };
  // Waits for the question to be on screen before typing, as a person would.
  const answer = async (prompt: RegExp, keys: string): Promise<void> => {
    await waitFor(prompt, prompt.source);
    if (keys !== '') tmux('send-keys', '-t', 'wz', '-l', keys);
    tmux('send-keys', '-t', 'wz', 'Enter');
  };
  const secret = 'tty-secret-4567';
  tmux('new-session', '-d', '-s', 'wz', '-x', '200', '-y', '50', '-c', cwd, `${process.execPath} ${BIN} wizard -o ${file}; echo "WIZARD-EXIT=$?"; sleep 30`);
  await answer(/SSH listen address \(HOST:PORT\) \[0\.0\.0\.0:2222\]:\s*$/, '127.0.0.1:2023');
  await answer(/SOCKS5 listen address .*:\s*$/, 'none');
  await answer(/Host key file .*:\s*$/, '');
  await answer(/User 1: username \[admin\]:\s*$/, 'dave');
  await answer(/Password for "dave" .*:\s*$/, secret);
  await answer(/Repeat the password:\s*$/, secret);
  await answer(/Role \(user, admin\) \[admin\]:\s*$/, '');
  await answer(/Allow the interactive shell\? \[yes\]:\s*$/, '');
  await answer(/Add another user\? \[y\/N\]:\s*$/, '');
  for (const section of ['Security', 'ACL', 'API', 'Metrics', 'Logging']) await answer(new RegExp(`Configure ${section}\\? .*\\[Y/n\\]:\\s*$`), 'n');
  for (const section of ['Groups', 'GeoIP', 'Webhooks', 'Alerting', 'Maintenance', 'Pool', 'Upstream']) await answer(new RegExp(`Configure ${section}\\? .*\\[y/N\\]:\\s*$`), '');
  await answer(/Write .*config\.toml\? \[Y\/n\]:\s*$/, '');
  await waitFor(/WIZARD-EXIT=0/, 'the wizard to exit 0');
  const full = tmux('capture-pane', '-p', '-J', '-t', 'wz', '-S', '-2000');
  assert.ok(!full.includes(secret), 'the password is never echoed');
  assert.match(full, /API token: \S{16,}/, 'the generated token is shown once');
  assert.ok(existsSync(file));
  const { config } = parseConfigText(readFileSync(file, 'utf8'), file);
  assert.equal(config.server.ssh_listen, '127.0.0.1:2023');
  assert.equal(config.server.socks5_listen, undefined);
  assert.equal(config.users[0]?.username, 'dave');
  assert.ok(await verifyPassword(config.users[0]?.password_hash, Buffer.from(secret)));
});
