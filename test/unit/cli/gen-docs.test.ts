import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../../../src/config/load.js';
import { configKeyRows, renderConfigDocs, renderExampleToml, staleGeneratedDocs } from '../../../src/cli/gen-docs.js';

// dist/test/unit/cli -> project root
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

test('docs/config.md and config.example.toml are up to date with the schema (run `npm run gen`)', () => {
  assert.deepEqual(staleGeneratedDocs(root), []);
});

test('every key has a type, and every leaf key a description', () => {
  const rows = configKeyRows();
  assert.ok(rows.length > 200);
  for (const r of rows) {
    assert.notEqual(r.type, '', r.path);
    assert.notEqual(r.description, '', `${r.path} has no description`);
  }
  const docs = renderConfigDocs();
  for (const key of ['server.ssh_listen', 'limits.max_connections', 'users[].password_hash', 'users[].acl.allow', 'persistence.state.flush_interval_secs', 'connection_pool.enabled']) {
    assert.ok(docs.includes(`| \`${key}\` |`), key);
  }
  assert.ok(docs.includes('| `limits.max_connections` | integer (>= 0) | `1000` |'));
});

test('the example config is valid and shows defaults', () => {
  const text = renderExampleToml();
  const { config } = parseConfigText(text, 'config.example.toml');
  assert.equal(config.users.length, 1);
  assert.match(text, /^max_connections = 1000$/m);
  assert.match(text, /^# socks5_listen = "0\.0\.0\.0:1080"$/m);
  assert.match(text, /^# \[\[groups\]\]$/m);
});
