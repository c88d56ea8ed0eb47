/**
 * The npm install path: `npm pack` in the checkout, then `npm install -g` of that tarball into a
 * private prefix, as an operator would. The tarball carries the compiled dist/ and the lock file as
 * npm-shrinkwrap.json, so the install runs no TypeScript compiler and gets the tested versions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../../src/version.js';
import { ROOT } from '../helpers/sks5-process.js';
import { curlViaSocks, operatorEnv, runCommand, startHttpBody, startQuickStart } from '../helpers/installed.js';

test('npm pack + npm install -g: compiled dist, no compiler, sks5 and sshgate run', { timeout: 600_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'sks5-npm-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));

  // `prepare` (tsc, incremental: the tree is already built) and the shrinkwrap copy run as in a release.
  const pack = await runCommand('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, timeoutMs: 180_000 });
  assert.equal(pack.code, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }];
  const files = info.files.map((f) => f.path);
  assert.ok(files.includes('dist/src/cli/sks5.js') && files.includes('dist/src/cli/sshgate.js'), 'compiled entry points are in the tarball');
  assert.ok(files.includes('bin/sks5') && files.includes('bin/sshgate'));
  assert.ok(files.includes('npm-shrinkwrap.json'), 'the lock file ships as npm-shrinkwrap.json');
  assert.deepEqual(files.filter((f) => f.endsWith('.ts') || f.endsWith('.map') || f.startsWith('dist/test') || f.startsWith('test/') || f === 'tsconfig.json'), [],
    'no sources, source maps, tests or compiler config');
  assert.equal(existsSync(join(ROOT, 'npm-shrinkwrap.json')), false, 'postpack removed the shrinkwrap copy from the checkout');

  const prefix = join(work, 'prefix');
  const install = await runCommand('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', join(work, info.filename)],
    { cwd: work, timeoutMs: 480_000 });
  assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
  const pkg = join(prefix, 'lib', 'node_modules', 'sks5');
  const deps = readdirSync(join(pkg, 'node_modules'));
  assert.ok(!deps.includes('typescript') && !deps.includes('@types'), `no compiler or typings installed: ${deps.join(' ')}`);
  assert.ok(!deps.includes('fast-check') && !deps.includes('playwright-core'), 'no devDependencies');
  assert.ok(existsSync(join(pkg, 'node_modules', 'better-sqlite3')) && existsSync(join(pkg, 'node_modules', 'argon2')));
  assert.equal((JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version, VERSION);

  // The operator's shell: the prefix's bin/ and the system's node, run from an empty directory.
  const env = operatorEnv(`${join(prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin`);
  const home = join(work, 'home');
  mkdirSync(home);
  const version = await runCommand('sks5', ['--version'], { cwd: home, env });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), VERSION);

  const target = await startHttpBody(t, 'served through the npm install');
  const qs = await startQuickStart(t, 'sks5', { cwd: home, env, password: 'npm-pass' });
  const curl = await curlViaSocks(qs.socks5, 'user', 'npm-pass', `http://127.0.0.1:${target}/`);
  assert.equal(curl.code, 0, curl.stderr);
  assert.equal(curl.stdout, 'served through the npm install');
  const refused = await curlViaSocks(qs.socks5, 'user', 'wrong', `http://127.0.0.1:${target}/`);
  assert.notEqual(refused.code, 0, 'a wrong password is refused');
  assert.equal(await qs.run.stop(), 0, qs.run.output());

  const db = join(home, 'gate.db');
  const missing = await runCommand('sshgate', ['list', '--db', db], { cwd: home, env });
  assert.equal(missing.code, 1, 'a management command does not create the store');
  assert.match(missing.stderr, /does not exist/);
  const fp = '0123456789abcdef0123456789abcdef';
  const seed = await runCommand('sshgate', ['approve', '--db', db, '--register', '--label', 'CI', fp], { cwd: home, env });
  assert.equal(seed.code, 0, seed.stderr);
  const list = await runCommand('sshgate', ['list', '--db', db], { cwd: home, env });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^FINGERPRINT\s+STATUS\s+LABEL/);
  assert.match(list.stdout, new RegExp(`${fp}\\s+approved\\s+CI`));
});
