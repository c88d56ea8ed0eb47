/**
 * `npm run package`: release/sks5-linux-x64 and release/sshgate-linux-x64, Node single executable
 * applications with the native addons inside. They are run as on a machine without Node: PATH holds
 * no `node`, the working directory is empty, HOME is fresh. sks5 quick-start carries a real curl;
 * sshgate serves in front of a real sshd, then list and approve let the refused client in. The
 * addons land in a 0700 cache under HOME, and a tampered cache file is replaced before it is loaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../../src/version.js';
import { ROOT } from '../helpers/sks5-process.js';
import { curlViaSocks, operatorEnv, runCommand, startCommand, startHttpBody, startQuickStart } from '../helpers/installed.js';
import { freePort, opensshLogin, startSshd } from '../fixtures/gate/sshd-harness.js';

const SKS5 = join(ROOT, 'release', 'sks5-linux-x64');
const SSHGATE = join(ROOT, 'release', 'sshgate-linux-x64');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

test('npm run package, then the executables run with no node on PATH', { timeout: 600_000 }, async (t) => {
  const pkg = await runCommand('npm', ['run', 'package'], { cwd: ROOT, timeoutMs: 420_000 });
  assert.equal(pkg.code, 0, `${pkg.stdout}\n${pkg.stderr}`);
  for (const exe of [SKS5, SSHGATE]) assert.ok(statSync(exe).mode & 0o100, `${exe} is executable`);

  const work = mkdtempSync(join(tmpdir(), 'sks5-sea-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const empty = join(work, 'cwd');
  const home = join(work, 'home');
  const bin = join(work, 'bin');
  for (const d of [empty, home, bin]) mkdirSync(d);
  // Only the tools the test drives, none of them node.
  const env = operatorEnv(bin, { HOME: home });
  delete env['XDG_CACHE_HOME'];
  const noNode = await runCommand('/bin/sh', ['-c', 'command -v node || echo none'], { env, cwd: empty });
  assert.equal(noNode.stdout.trim(), 'none');

  const git = await runCommand('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT });
  for (const exe of [SKS5, SSHGATE]) {
    const v = await runCommand(exe, ['--version'], { cwd: empty, env });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), `${VERSION} (commit ${git.stdout.trim()})`);
    assert.equal(v.stderr, '', 'no warning at start');
  }

  // A cache directory others can write to is refused, not used.
  const shared = join(work, 'shared-cache');
  mkdirSync(join(shared, 'sks5', 'addons'), { recursive: true, mode: 0o777 });
  await runCommand('chmod', ['0777', join(shared, 'sks5', 'addons')]);
  const refused = await runCommand(SKS5, ['--version'], { cwd: empty, env: { ...env, XDG_CACHE_HOME: shared } });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /refusing the native addon cache: .*mode 777, expected 700/);

  // Start-up: --version, the executable against bin/sks5 under this node (medians of 5).
  const times = { sea: [] as number[], bin: [] as number[] };
  for (let i = 0; i < 5; i++) {
    times.sea.push((await runCommand(SKS5, ['--version'], { cwd: empty, env })).ms);
    times.bin.push((await runCommand(process.execPath, [join(ROOT, 'bin', 'sks5'), '--version'], { cwd: empty })).ms);
  }
  t.diagnostic(`sizes: sks5-linux-x64 ${(statSync(SKS5).size / 1e6).toFixed(1)} MB, sshgate-linux-x64 ${(statSync(SSHGATE).size / 1e6).toFixed(1)} MB (node binary ${(statSync(process.execPath).size / 1e6).toFixed(1)} MB)`);
  t.diagnostic(`start-up (--version, median of 5): sks5-linux-x64 ${median(times.sea).toFixed(0)} ms, node bin/sks5 ${median(times.bin).toFixed(0)} ms`);

  // sks5 quick-start with a real curl through it; state in the empty directory's data/.
  const target = await startHttpBody(t, 'served by the single executable');
  const qsStart = Date.now();
  const qs = await startQuickStart(t, SKS5, { cwd: empty, env, password: 'sea-pass' });
  t.diagnostic(`quick-start listening after ${Date.now() - qsStart} ms`);
  const curl = await curlViaSocks(qs.socks5, 'user', 'sea-pass', `http://127.0.0.1:${target}/`);
  assert.equal(curl.code, 0, `${curl.stderr}\n${qs.run.output()}`);
  assert.equal(curl.stdout, 'served by the single executable');
  assert.notEqual((await curlViaSocks(qs.socks5, 'user', 'wrong', `http://127.0.0.1:${target}/`)).code, 0);
  assert.doesNotMatch(qs.run.output(), /Warning|memory only|unavailable/i, 'SQLite state and argon2 loaded, no warning');
  assert.equal(await qs.run.stop(), 0, qs.run.output());
  assert.ok(existsSync(join(empty, 'host_key')));

  // The addon cache: private, every addon in it, and every file checked against its hash.
  const cache = join(home, '.cache', 'sks5', 'addons');
  assert.equal(statSync(cache).mode & 0o777, 0o700);
  assert.deepEqual(readdirSync(cache).map((f) => f.replace(/^[0-9a-f]{16}-/, '')).sort(), ['argon2.node', 'better_sqlite3.node', 'cpufeatures.node', 'sshcrypto.node']);
  const sqliteFile = readdirSync(cache).find((f) => f.endsWith('better_sqlite3.node')) as string;
  writeFileSync(join(cache, sqliteFile), 'tampered', { mode: 0o500 });


  // sshgate serve in front of a real sshd: refused, listed, approved, let in.
  const sshd = await startSshd();
  t.after(() => sshd.stop());
  const port = await freePort();
  const db = join(work, 'gate.db');
  const gate = startCommand(t, SSHGATE, ['serve', '--route', `127.0.0.1:${port}=127.0.0.1:${sshd.port}`, '--db', db], { cwd: empty, env });
  await gate.waitFor(/ (LISTEN) /, 60_000);
  // serve opened its SQLite store: the better-sqlite3 file that failed its hash was written again.
  assert.ok(statSync(join(cache, sqliteFile)).size > 100_000, 'a file that fails its hash is written again');
  const refusedLogin = await opensshLogin(port, sshd.userKey, 'echo ok');
  assert.notEqual(refusedLogin.code, 0);
  const list = await runCommand(SSHGATE, ['list', '--db', db], { cwd: empty, env });
  assert.equal(list.code, 0, list.stderr);
  const fp = /^([0-9a-f]{32})\s+blocked\b/m.exec(list.stdout)?.[1];
  assert.ok(fp, list.stdout);
  const approve = await runCommand(SSHGATE, ['approve', '--db', db, '--label', 'sea laptop', fp], { cwd: empty, env });
  assert.deepEqual([approve.code, approve.stderr], [0, '']);
  const ok = await opensshLogin(port, sshd.userKey, 'echo ok');
  assert.equal(ok.code, 0, `${ok.stderr.slice(-2000)}\n${gate.output()}`);
  assert.equal(ok.stdout, 'ok\n');
  assert.match((await runCommand(SSHGATE, ['list', '--db', db], { cwd: empty, env })).stdout, new RegExp(`^${fp}\\s+approved\\s+sea laptop`, 'm'));
  assert.equal(await gate.stop(), 0, gate.output());
  assert.deepEqual(readdirSync(empty).sort(), ['data', 'host_key'], 'nothing else written to the working directory');
});
