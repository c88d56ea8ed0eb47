import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addonCacheDir, materializeAddon, sha256Hex, unsafeDirReason, type DirStat } from '../../../src/sea/embedded-addons.js';

const dirStat = (over: Partial<{ dir: boolean; link: boolean; uid: number; mode: number }>): DirStat => ({
  isDirectory: () => over.dir ?? true, isSymbolicLink: () => over.link ?? false, uid: over.uid ?? 1000, mode: over.mode ?? 0o40700,
});

test('the cache lives under XDG_CACHE_HOME or ~/.cache, never a relative or missing place', () => {
  assert.equal(addonCacheDir({ env: { XDG_CACHE_HOME: '/c' }, home: '/h' }), '/c/sks5/addons');
  assert.equal(addonCacheDir({ env: {}, home: '/h' }), '/h/.cache/sks5/addons');
  assert.equal(addonCacheDir({ env: { XDG_CACHE_HOME: 'relative' }, home: '/h' }), '/h/.cache/sks5/addons');
  assert.throws(() => addonCacheDir({ env: {}, home: undefined }), /set HOME or XDG_CACHE_HOME/);
  assert.throws(() => addonCacheDir({ env: {}, home: 'x' }), /absolute/);
});

test('only a directory of our own with mode 700 is accepted', () => {
  assert.equal(unsafeDirReason('/d', dirStat({}), 1000), undefined);
  assert.match(unsafeDirReason('/d', dirStat({ link: true }), 1000) ?? '', /symbolic link/);
  assert.match(unsafeDirReason('/d', dirStat({ dir: false }), 1000) ?? '', /not a directory/);
  assert.match(unsafeDirReason('/d', dirStat({ uid: 0 }), 1000) ?? '', /belongs to UID 0, not 1000/);
  assert.match(unsafeDirReason('/d', dirStat({ mode: 0o40770 }), 1000) ?? '', /mode 770, expected 700/);
  assert.match(unsafeDirReason('/d', dirStat({ mode: 0o41777 }), 1000) ?? '', /mode 777/);
  assert.match(unsafeDirReason('/d', dirStat({ mode: 0o40701 }), 1000) ?? '', /mode 701/);
});

test('materialize: written once with its hash, rewritten when tampered, refused when the bytes or the directory are wrong', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sks5-addons-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const uid = process.getuid?.() ?? 0;
  const bytes = new TextEncoder().encode('pretend ELF');
  const src = { bytes, sha256: sha256Hex(bytes) };
  const dir = join(root, 'cache', 'sks5', 'addons');
  const file = materializeAddon(dir, 'x.node', src, uid);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(file).mode & 0o777, 0o500);
  assert.equal(readFileSync(file, 'utf8'), 'pretend ELF');
  const mtime = statSync(file).mtimeMs;
  assert.equal(materializeAddon(dir, 'x.node', src, uid), file, 'reused');
  assert.equal(statSync(file).mtimeMs, mtime);
  chmodSync(file, 0o700);
  writeFileSync(file, 'evil');
  assert.equal(readFileSync(materializeAddon(dir, 'x.node', src, uid), 'utf8'), 'pretend ELF', 'a file that fails its hash is replaced');

  assert.throws(() => materializeAddon(dir, 'x.node', { bytes, sha256: '0'.repeat(64) }, uid), /does not match its recorded SHA-256/);
  const open = join(root, 'open');
  mkdirSync(open, { mode: 0o777 });
  chmodSync(open, 0o777);
  assert.throws(() => materializeAddon(open, 'x.node', src, uid), /refusing the native addon cache: .*mode 777/);
  const link = join(root, 'link');
  symlinkSync(dir, link);
  assert.throws(() => materializeAddon(link, 'x.node', src, uid), /symbolic link/);
  assert.throws(() => materializeAddon(dir, 'x.node', src, uid + 1), /belongs to UID/);
});
