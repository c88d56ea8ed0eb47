import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import argon2 from 'argon2';
import { Secret, TOTP } from 'otpauth';
import { runSks5 } from './cli-run.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$wmsSEy/Z9hgyaFaLBXtexw$ymnXIPhWuv318TMnemi8kGV+OFAODHXtp6fLm4LUBOU';

test('hash-password -p prints an Argon2id hash that verifies', async () => {
  const r = await runSks5(['hash-password', '-p', 'hunter2'], { cwd: tmpdir() });
  assert.equal(r.code, 0, r.stderr);
  const hash = r.stdout.trim();
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await argon2.verify(hash, 'hunter2'), true);
  assert.equal(await argon2.verify(hash, 'hunter3'), false);
});

test('hash-password reads one line from stdin', async () => {
  const r = await runSks5(['hash-password'], { input: 'from stdin\nsecond line ignored\n', cwd: tmpdir() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await argon2.verify(r.stdout.trim(), 'from stdin'), true);
});

test('hash-password uses the config\'s argon2 costs when a config is readable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-hash-'));
  writeFileSync(join(dir, 'config.toml'), `[security]\nargon2_memory_cost = 8192\nargon2_time_cost = 3\n[[users]]\nusername = "a"\npassword_hash = "${HASH}"\n`);
  const r = await runSks5(['hash-password', '-p', 'pw'], { cwd: dir });
  assert.match(r.stdout, /^\$argon2id\$v=19\$m=8192,t=3,p=1\$/);
});

test('hash-password with empty stdin fails', async () => {
  const r = await runSks5(['hash-password'], { input: '', cwd: tmpdir() });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no password/);
});

test('generate-totp prints a base32 secret, a well-formed otpauth URI and config lines', async () => {
  const r = await runSks5(['generate-totp', '--username', 'alice']);
  assert.equal(r.code, 0, r.stderr);
  // The original's first line, word for word.
  const secret = /^TOTP secret for 'alice': ([A-Z2-7]+)$/m.exec(r.stdout)?.[1] ?? '';
  assert.equal(Secret.fromBase32(secret).bytes.length, 20);
  const uri = /^OTPAuth URL: (\S+)$/m.exec(r.stdout)?.[1] ?? '';
  const url = new URL(uri);
  assert.equal(url.protocol, 'otpauth:');
  assert.equal(url.host, 'totp');
  assert.equal(url.searchParams.get('issuer'), 'sks5');
  assert.equal(url.searchParams.get('secret'), secret);
  assert.match(decodeURIComponent(url.pathname), /alice/);
  // The URI and the secret describe the same generator.
  const totp = new TOTP({ secret: Secret.fromBase32(secret) });
  assert.equal(totp.generate({ timestamp: 0 }), new TOTP({ secret: Secret.fromBase32(url.searchParams.get('secret') ?? '') }).generate({ timestamp: 0 }));
  assert.match(r.stdout, /^ {2}totp_enabled = true$/m);
  assert.match(r.stdout, new RegExp(`^ {2}totp_secret = "${secret}"$`, 'm'));
  const missing = await runSks5(['generate-totp']);
  assert.notEqual(missing.code, 0);
});

test('health-check: OK against a listening port, FAIL against a closed one', async (t) => {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const ok = await runSks5(['health-check', '--addr', `127.0.0.1:${port}`, '--timeout', '10']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^OK: /);
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const fail = await runSks5(['health-check', '--addr', `127.0.0.1:${closedPort}`, '--timeout', '10']);
  assert.equal(fail.code, 1);
  assert.match(fail.stderr, /^FAIL: .*ECONNREFUSED/);
  const bad = await runSks5(['health-check', '--addr', 'nonsense']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^FAIL: /);
});

test('health-check and ssh-config take the address and port from -c / SKS5_CONFIG when flags are absent', async (t) => {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'sks5-helpers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const users = `[[users]]\nusername = "alice"\npassword_hash = "${HASH}"\n`;
  const wildcard = join(dir, 'wildcard.toml');
  writeFileSync(wildcard, `[server]\nssh_listen = "0.0.0.0:${port}"\n${users}`);
  const named = join(dir, 'named.toml');
  writeFileSync(named, `[server]\nssh_listen = "192.0.2.10:2200"\n${users}`);

  const viaC = await runSks5(['health-check', '-c', wildcard, '--timeout', '10']);
  assert.equal(viaC.code, 0, viaC.stderr);
  assert.match(viaC.stdout, new RegExp(`^OK: 127\\.0\\.0\\.1:${port} accepted`));
  const viaEnv = await runSks5(['health-check', '--timeout', '10'], { env: { SKS5_CONFIG: wildcard } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, new RegExp(`^OK: 127\\.0\\.0\\.1:${port} `));
  const missing = await runSks5(['health-check', '-c', join(dir, 'nope.toml')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^FAIL: .*nope\.toml: 1 problem/);

  const cfgHost = await runSks5(['ssh-config', '-c', named]);
  assert.equal(cfgHost.code, 0, cfgHost.stderr);
  assert.match(cfgHost.stdout, /^Host sks5-proxy\n {4}HostName 192\.0\.2\.10\n {4}Port 2200\n/);
  const wild = await runSks5(['ssh-config', '-c', wildcard]);
  assert.equal(wild.code, 1);
  assert.match(wild.stderr, /--host is required: server\.ssh_listen in .*wildcard\.toml binds every address/);
  const hostFlag = await runSks5(['ssh-config', '--host', 'bastion.example.com'], { env: { SKS5_CONFIG: wildcard } });
  assert.match(hostFlag.stdout, new RegExp(`HostName bastion\\.example\\.com\\n {4}Port ${port}\\n`));
  const none = await runSks5(['ssh-config']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /--host is required \(no config found/);
});

test('ssh-config prints a Host block', async () => {
  const r = await runSks5(['ssh-config', '--host', 'bastion.example.com', '--user', 'alice', '--dynamic-forward', '1080']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Host sks5-proxy\n {4}HostName bastion\.example\.com\n {4}Port 2222\n {4}User alice\n {4}DynamicForward 1080\n/);
  assert.match(r.stdout, /ServerAliveInterval 30/);
});

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`completions ${shell} prints a script naming the subcommands`, async () => {
    const r = await runSks5(['completions', shell]);
    assert.equal(r.code, 0, r.stderr);
    for (const sub of ['check-config', 'hash-password', 'quick-start', 'show-config']) assert.ok(r.stdout.includes(sub), sub);
  });
}

test('the bash completion script works in bash', async () => {
  const r = await runSks5(['completions', 'bash']);
  const script = `${r.stdout}\nCOMP_WORDS=(sks5 show-config --format ""); COMP_CWORD=3; _sks5; echo "\${COMPREPLY[*]}"\nCOMP_WORDS=(sks5 chec); COMP_CWORD=1; _sks5; echo "\${COMPREPLY[*]}"\n`;
  const out = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(out.status, 0, out.stderr);
  assert.deepEqual(out.stdout.trim().split('\n'), ['toml json', 'check-config']);
});

test('completions rejects an unknown shell', async () => {
  const r = await runSks5(['completions', 'tcsh']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /bash, zsh, fish/);
});

test('manpage prints roff with .TH and the subcommands', async () => {
  const r = await runSks5(['manpage']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\.TH SKS5 1/);
  assert.match(r.stdout, /\.SS "check-config"/);
  // man(1) renders it: the roff is well-formed enough for a real formatter.
  const dir = mkdtempSync(join(tmpdir(), 'sks5-man-'));
  writeFileSync(join(dir, 'sks5.1'), r.stdout);
  const rendered = spawnSync('man', ['-l', join(dir, 'sks5.1')], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', MANWIDTH: '100' }, timeout: 30_000 });
  assert.equal(rendered.status, 0, rendered.stderr);
  assert.match(rendered.stdout, /check-config/);
  assert.match(rendered.stdout, /SKS5_API_TOKEN/);
});
