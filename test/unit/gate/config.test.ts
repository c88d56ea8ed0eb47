import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_FINGERPRINTS, loadGateConfig, parseGateConfig } from '../../../src/gate/config.js';

test('max_fingerprints: unset and 0 mean 100000, -1 unlimited, below -1 an error', () => {
  assert.equal(parseGateConfig('{}').maxFingerprints, DEFAULT_MAX_FINGERPRINTS);
  assert.equal(parseGateConfig('{"max_fingerprints": 0}').maxFingerprints, 100000);
  assert.equal(parseGateConfig('{"max_fingerprints": -1}').maxFingerprints, -1);
  assert.equal(parseGateConfig('{"max_fingerprints": 5, "control_plane": {"url": "x"}}').maxFingerprints, 5);
  assert.throws(() => parseGateConfig('{"max_fingerprints": -5}'), { message: 'max_fingerprints must be >= -1, got -5' });
  assert.throws(() => parseGateConfig('{"max_fingerprints": 1.5}'), /must be an integer/);
  assert.throws(() => parseGateConfig('{"max_fingerprints": "10"}'), /must be an integer/);
  assert.throws(() => parseGateConfig('[1]'), /JSON object/);
  assert.throws(() => parseGateConfig('{'), /invalid JSON/);
});

test('an empty path or a missing file means defaults; a present file is read', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sshgate-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(loadGateConfig('').maxFingerprints, 100000);
  assert.equal(loadGateConfig(join(dir, 'missing.json')).maxFingerprints, 100000);
  writeFileSync(join(dir, 'c.json'), '{"max_fingerprints": 42}');
  assert.equal(loadGateConfig(join(dir, 'c.json')).maxFingerprints, 42);
  assert.throws(() => loadGateConfig(dir), /EISDIR/);
});

test('redis_url and redis_key_prefix: validated without echoing the URL (it may carry a password)', () => {
  const c = parseGateConfig('{"redis_url": "redis://u:pw@127.0.0.1:6379/0", "redis_key_prefix": "gates:"}');
  assert.deepEqual([c.redisUrl, c.redisKeyPrefix], ['redis://u:pw@127.0.0.1:6379/0', 'gates:']);
  assert.deepEqual([parseGateConfig('{}').redisUrl, parseGateConfig('{}').redisKeyPrefix], ['', '']);
  for (const bad of ['"http://u:secretpw@h:1"', '5', '"redis://u:secretpw@h:1/x/y"']) {
    assert.throws(() => parseGateConfig(`{"redis_url": ${bad}}`), (err: Error) => /redis_url must be/.test(err.message) && !err.message.includes('secretpw'));
  }
  assert.throws(() => parseGateConfig(`{"redis_key_prefix": "${'x'.repeat(65)}"}`), /at most 64/);
});

test('workers: an integer from 0 (one per core, or "auto") to 256; unset leaves it to the flag', () => {
  assert.equal(parseGateConfig('{}').workers, undefined);
  assert.equal(parseGateConfig('{"workers": 4}').workers, 4);
  assert.equal(parseGateConfig('{"workers": "auto"}').workers, 0);
  for (const bad of ['-1', '257', '1.5', '"two"']) assert.throws(() => parseGateConfig(`{"workers": ${bad}}`), /workers must be an integer from 0 to 256/);
});
