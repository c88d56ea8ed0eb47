import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, cleanEnv, FIXTURES, ROOT, runSks5 } from './cli-run.js';

const SSHGATE = join(ROOT, 'bin', 'sshgate');

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$wmsSEy/Z9hgyaFaLBXtexw$ymnXIPhWuv318TMnemi8kGV+OFAODHXtp6fLm4LUBOU';
const tmp = (): string => mkdtempSync(join(tmpdir(), 'sks5-cli-'));

test('check-config on a valid file exits 0 and prints listen addresses and user count', async () => {
  const r = await runSks5(['check-config', '-c', join(FIXTURES, 'valid.toml')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /SSH listen: +127\.0\.0\.1:2222/);
  assert.match(r.stdout, /SOCKS5 listen: +127\.0\.0\.1:1080/);
  assert.match(r.stdout, /HTTP proxy: +\(disabled\)/);
  assert.match(r.stdout, /Users: +1/);
});

test('check-config on an invalid file exits non-zero and lists every problem', async () => {
  const r = await runSks5(['check-config', '-c', join(FIXTURES, 'invalid.toml')]);
  assert.equal(r.code, 1);
  for (const expected of ['server.socks5_listen: expected HOST:PORT', 'acl.denny: unknown key (did you mean "deny"?)',
    // cross-key rules in the same pass as the schema's problems, not on the next run
    'users[1].username: duplicate username "alice"']) {
    assert.ok(r.stderr.includes(expected), `missing "${expected}" in:\n${r.stderr}`);
  }
});

test('check-config reports cross-field problems (duplicate user, short token) all at once, a missing group as a warning', async () => {
  const dir = tmp();
  const file = join(dir, 'c.toml');
  writeFileSync(file, `[api]\nenabled = true\ntoken = "short"\n[[users]]\nusername = "a"\npassword_hash = "${HASH}"\n[[users]]\nusername = "a"\npassword_hash = "${HASH}"\ngroup = "nope"\n`);
  const r = await runSks5(['check-config', '-c', file]);
  assert.equal(r.code, 1);
  for (const expected of ['api.token: must be at least 16', 'users[1].username: duplicate']) assert.ok(r.stderr.includes(expected), `${expected}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /group/);
});

test('check-config shows a TOML syntax error with its line', async () => {
  const dir = tmp();
  const file = join(dir, 'c.toml');
  writeFileSync(file, '[server]\nssh_listen = \n');
  const r = await runSks5(['check-config', '-c', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\(syntax\) line 2, column \d+/);
});

test('check-config -c on a missing file fails clearly', async () => {
  const r = await runSks5(['check-config', '-c', '/nonexistent/sks5.toml']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /file not found/);
});

test('env-only mode: no file, SKS5_SSH_LISTEN plus a hash', async () => {
  const r = await runSks5(['check-config'], { cwd: tmp(), env: { SKS5_SSH_LISTEN: '127.0.0.1:2022', SKS5_PASSWORD_HASH: HASH, SKS5_SOCKS5_LISTEN: '127.0.0.1:1081', SKS5_HTTP_PROXY_LISTEN: '127.0.0.1:3128' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Configuration OK: environment/);
  assert.match(r.stdout, /SOCKS5 listen: +127\.0\.0\.1:1081/);
  assert.match(r.stdout, /HTTP proxy: +127\.0\.0\.1:3128$/m);
});

test('env is ignored over a file without --force-env, applied with it, and bad values name the variable', async () => {
  const file = join(FIXTURES, 'valid.toml');
  const env = { SKS5_SSH_LISTEN: '127.0.0.1:2999' };
  const ignored = await runSks5(['check-config', '-c', file], { env });
  assert.match(ignored.stdout, /SSH listen: +127\.0\.0\.1:2222/);
  assert.match(ignored.stdout, /--force-env/);
  const forced = await runSks5(['check-config', '-c', file, '--force-env'], { env });
  assert.match(forced.stdout, /SSH listen: +127\.0\.0\.1:2999/);
  const bad = await runSks5(['check-config', '-c', file], { env: { SKS5_FORCE_ENV: 'true', SKS5_MAX_CONNECTIONS: 'lots' } });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /SKS5_MAX_CONNECTIONS: expected an integer, got "lots"/);
});

test('--set, --ssh-listen and --log-level override the file', async () => {
  const r = await runSks5(['show-config', '--format', 'json', '-c', join(FIXTURES, 'valid.toml'), '--set', 'limits.max_connections=77', '--ssh-listen', '127.0.0.1:2345', '--log-level', 'debug']);
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout) as { limits: { max_connections: number }; server: { ssh_listen: string }; logging: { level: string } };
  assert.equal(c.limits.max_connections, 77);
  assert.equal(c.server.ssh_listen, '127.0.0.1:2345');
  assert.equal(c.logging.level, 'debug');
});

const FIXTURE_SECRETS = ['wmsSEy/Z9hgyaFaLBXtexw', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'fixture-api-token-0123456789', 'proxy-pass-fixture', 'webhook-secret-fixture'];

for (const format of ['toml', 'json'] as const) {
  test(`show-config --format ${format} prints the effective config with every secret redacted`, async () => {
    const r = await runSks5(['show-config', '--format', format, '-c', join(FIXTURES, 'valid.toml')]);
    assert.equal(r.code, 0, r.stderr);
    for (const s of FIXTURE_SECRETS) assert.ok(!r.stdout.includes(s), `${s} leaked`);
    assert.ok(r.stdout.includes('***'));
    assert.ok(r.stdout.includes('alice'));
    assert.ok(r.stdout.includes('max_connections'), 'defaults are shown');
    if (format === 'json') assert.equal((JSON.parse(r.stdout) as { users: { password_hash: string }[] }).users[0]?.password_hash, '***');
  });
}

for (const preset of ['bastion', 'proxy', 'dev'] as const) {
  test(`init --preset ${preset} writes a 0600 config that check-config accepts`, async () => {
    const dir = tmp();
    const out = join(dir, `${preset}.toml`);
    const r = await runSks5(['init', '--preset', preset, '-o', out, '--username', 'ops', '--password', 'correct horse']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.match(readFileSync(out, 'utf8'), /username = "ops"/);
    const check = await runSks5(['check-config', '-c', out]);
    assert.equal(check.code, 0, check.stderr);
  });
}

test('init without --password and without a terminal generates and prints one; it refuses to overwrite', async () => {
  const dir = tmp();
  const out = join(dir, 'config.toml');
  const r = await runSks5(['init', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Generated password for "user": \S{20}\n/);
  const again = await runSks5(['init', '-o', out, '--password', 'x']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
  const check = await runSks5(['check-config'], { cwd: dir });
  assert.equal(check.code, 0, check.stderr);
});

test('no command prints a stack trace when its reader closes the pipe (check-config | head -1, ... | true)', async () => {
  const sh = (line: string): Promise<{ code: number | null; stdout: string; stderr: string }> => new Promise((resolveRun, reject) => {
    const child = spawn('bash', ['-c', `${line}; echo "status=\${PIPESTATUS[0]}" >&2`], { env: cleanEnv(), cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out: ${line}`)); }, 60_000);
    child.on('close', (code) => { clearTimeout(timer); resolveRun({ code, stdout, stderr }); });
  });
  const valid = join(FIXTURES, 'valid.toml');
  const invalid = join(FIXTURES, 'invalid.toml');
  const node = `"${process.execPath}"`;
  const runs: [string, number][] = [
    [`${node} "${BIN}" check-config -c "${valid}" | head -1`, 0],
    [`${node} "${BIN}" check-config -c "${valid}" | true`, 0],
    [`${node} "${BIN}" check-config -c "${invalid}" 2>&1 | true`, 1],
    [`${node} "${BIN}" manpage | true`, 0],
    [`${node} "${BIN}" completions bash | head -1`, 0],
    [`${node} "${BIN}" --help | true`, 0],
    [`${node} "${SSHGATE}" list --db /nonexistent/sshgate.db 2>&1 | true`, 1],
  ];
  for (const [line, status] of runs) {
    // several rounds: whether the reader is gone before the first write is a race
    for (let round = 0; round < 3; round++) {
      const r = await sh(line);
      assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|at .*\.js:\d+/, `${line}\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(`status=${status}\n$`), `${line}\n${r.stderr}`);
    }
  }
});

test("check-config on a file written for the original: exit 0, each place where we are stricter a warning", async () => {
  const r = await runSks5(['check-config', '-c', join(FIXTURES, 'original-example.toml')]);
  assert.equal(r.code, 0, r.stderr);
  for (const expected of [
    'warning: server.future_option: unknown key, ignored',
    'warning: users[0].group: no [[groups]] entry is named "admins", so user "alice" gets only the global settings',
    'warning: users[1].authorized_keys[0]: ',
    'warning: users[2].password_hash: not an Argon2 PHC string ($argon2id$...), so password login as "testuser" always fails',
  ]) assert.ok(r.stdout.includes(expected), `missing "${expected}" in:\n${r.stdout}`);
});
