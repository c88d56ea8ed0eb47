import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { loadOrCreateHostKey } from '../../../src/ssh/host-keys.js';

test('every generated host key parses (ssh2 own generator fails about 1 in 300), is 0600, and is reused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-hostkey-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (let i = 0; i < 600; i++) {
    const k = loadOrCreateHostKey(join(dir, `k${i}`));
    assert.equal(k.generated, true);
    const parsedKey = ssh2.utils.parseKey(k.privateKey);
    assert.ok(!(parsedKey instanceof Error), `key ${i} does not parse`);
  }
  const path = join(dir, 'k0');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const again = loadOrCreateHostKey(path);
  assert.equal(again.generated, false);
  assert.equal(again.privateKey, readFileSync(path, 'utf8'));
});
