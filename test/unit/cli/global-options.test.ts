import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../src/config/load.js';
import { configPathOf, flagSets, loadEffectiveConfig, NoConfigError, scrubSensitiveEnv } from '../../../src/cli/global-options.js';
import { SECRET_HASH } from '../config/fixtures.js';

test('config path: flag, then SKS5_CONFIG, then config.toml', () => {
  assert.equal(configPathOf({ config: 'a.toml' }, { SKS5_CONFIG: 'b.toml' }), 'a.toml');
  assert.equal(configPathOf({}, { SKS5_CONFIG: 'b.toml' }), 'b.toml');
  assert.equal(configPathOf({}, {}), 'config.toml');
});

test('--log-level, --data-dir (or SKS5_DATA_DIR) and --ssh-listen become overrides applied before --set', () => {
  assert.deepEqual(flagSets({ logLevel: 'debug', dataDir: '/d', sshListen: '1.2.3.4:22', set: ['a=1'] }, {}), ['logging.level=debug', 'persistence.data_dir=/d', 'server.ssh_listen=1.2.3.4:22', 'a=1']);
  assert.deepEqual(flagSets({}, { SKS5_DATA_DIR: '/env' }), ['persistence.data_dir=/env']);
  assert.deepEqual(flagSets({ dataDir: '/flag' }, { SKS5_DATA_DIR: '/env' }), ['persistence.data_dir=/flag']);
});

test('no file and no env config is a NoConfigError; an explicit missing file is a ConfigError', () => {
  const missing = join(mkdtempSync(join(tmpdir(), 'sks5-go-')), 'config.toml');
  assert.throws(() => loadEffectiveConfig({}, { SKS5_CONFIG: missing }), NoConfigError);
  assert.throws(() => loadEffectiveConfig({ config: missing }, {}), ConfigError);
});

test('env-only mode when no file exists; the file wins when it exists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-go-'));
  const file = join(dir, 'config.toml');
  const env = { SKS5_CONFIG: file, SKS5_SSH_LISTEN: '127.0.0.1:2022', SKS5_PASSWORD_HASH: SECRET_HASH };
  const fromEnv = loadEffectiveConfig({}, env);
  assert.equal(fromEnv.source, 'environment');
  assert.equal(fromEnv.path, undefined);
  writeFileSync(file, `[[users]]\nusername = "filed"\npassword_hash = "${SECRET_HASH}"\n`);
  const fromFile = loadEffectiveConfig({}, env);
  assert.equal(fromFile.path, file);
  assert.equal(fromFile.config.users[0]?.username, 'filed');
  assert.equal(fromFile.config.server.ssh_listen, '0.0.0.0:2222');
  assert.equal(loadEffectiveConfig({ forceEnv: true }, env).config.server.ssh_listen, '127.0.0.1:2022');
});

test('scrubSensitiveEnv removes secrets and keeps the rest', () => {
  const env: NodeJS.ProcessEnv = { SKS5_PASSWORD_HASH: 'h', SKS5_USER_0_TOTP_SECRET_FILE: '/f', SKS5_API_TOKEN: 't', SKS5_SSH_LISTEN: 'x', HOME: '/root' };
  scrubSensitiveEnv(env);
  assert.deepEqual(env, { SKS5_SSH_LISTEN: 'x', HOME: '/root' });
});
