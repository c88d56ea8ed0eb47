import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../../src/version.js';
import { FIXTURES, runSks5 } from './cli-run.js';

const SUBCOMMANDS = ['hash-password', 'check-config', 'quick-start', 'init', 'show-config', 'generate-totp', 'health-check', 'ssh-config', 'completions', 'manpage', 'demo', 'wizard'];

test('--version and -V print the version, also after a subcommand', async () => {
  for (const args of [['--version'], ['-V'], ['check-config', '--version']]) {
    const r = await runSks5(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.equal(r.stdout.trim(), VERSION);
  }
});

test('--help lists every subcommand and the global flags; each subcommand has --help', async () => {
  const r = await runSks5(['--help']);
  assert.equal(r.code, 0);
  for (const sub of SUBCOMMANDS) assert.ok(r.stdout.includes(sub), sub);
  for (const flag of ['--config', '--log-level', '--force-env', '--data-dir', '--ssh-listen', '--set']) assert.ok(r.stdout.includes(flag), flag);
  for (const sub of SUBCOMMANDS) {
    const h = await runSks5([sub, '--help']);
    assert.equal(h.code, 0, sub);
    assert.match(h.stdout, new RegExp(`Usage: sks5 ${sub}`));
  }
});

test('--config is accepted before and after the subcommand', async () => {
  const file = join(FIXTURES, 'valid.toml');
  for (const args of [['-c', file, 'check-config'], ['check-config', '-c', file], ['--config', file, 'check-config'], ['check-config', `--config=${file}`]]) {
    const r = await runSks5(args);
    assert.equal(r.code, 0, `${args.join(' ')}\n${r.stderr}`);
    assert.match(r.stdout, /Configuration OK/);
  }
});

test('SKS5_CONFIG names the config file', async () => {
  const r = await runSks5(['check-config'], { env: { SKS5_CONFIG: join(FIXTURES, 'valid.toml') } });
  assert.equal(r.code, 0, r.stderr);
});

test('with no config and no env config, the server refuses to start, points at init/quick-start, and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-noconf-'));
  const r = await runSks5([], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /No configuration found/);
  assert.match(r.stderr, /sks5 init/);
  assert.match(r.stderr, /sks5 quick-start/);
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(existsSync(join(dir, 'config.toml')), false);
});

test('an unknown subcommand or flag fails with a message', async () => {
  const a = await runSks5(['frobnicate']);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /unknown command "frobnicate"/);
  const b = await runSks5(['check-config', '--no-such-flag']);
  assert.notEqual(b.code, 0);
  assert.match(b.stderr, /unknown option/);
});

test('running the server with an invalid config lists the problems and exits 1', async () => {
  const r = await runSks5(['-c', join(FIXTURES, 'invalid.toml')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /acl\.denny: unknown key \(did you mean "deny"\?\)/);
  assert.match(r.stderr, /server\.socks5_listen: expected HOST:PORT/);
});
