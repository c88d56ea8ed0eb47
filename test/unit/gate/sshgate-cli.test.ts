import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/clock.js';
import { main } from '../../../src/cli/sshgate.js';
import { FingerprintStore } from '../../../src/store/fingerprints.js';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, clock: new FakeClock('2026-05-01T12:00:00Z') });
  return { code, out, err };
}

function tempDb(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sshgate-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'g.db');
}

test('no command or an unknown one prints usage and exits 2; version prints the version', async () => {
  const none = await cli([]);
  assert.equal(none.code, 2);
  assert.match(none.err, /^usage: sshgate <command> \[options\]/);
  assert.equal((await cli(['frobnicate'])).code, 2);
  for (const v of ['version', '-version', '--version']) assert.match((await cli([v])).out, /^\d+\.\d+\.\d+\n$/);
});

test('approve --register lowercases, needs a full hash, keeps the label when re-run without one', async (t) => {
  const db = tempDb(t);
  const fp = '0123456789abcdef0123456789abcdef';
  assert.deepEqual(await cli(['approve', '--db', db, '--register', '--label', 'Alice', fp.toUpperCase()]), { code: 0, out: '', err: '' });
  assert.deepEqual(await cli(['approve', '-db', db, '-register', fp]), { code: 0, out: '', err: '' });
  const short = await cli(['approve', '--db', db, '--register', 'abc']);
  assert.equal(short.code, 1);
  assert.match(short.err, /--register requires a full 32-character hex fingerprint\n$/);
  const list = await cli(['list', '--db', db]);
  assert.match(list.out, new RegExp(`^${fp}  approved  Alice  2026-05-01 12:00:00  2026-05-01 12:00:00  -\\n`, 'm'));
  const s = FingerprintStore.open(db);
  assert.deepEqual(s.events(fp).map((e) => [e.action, e.newStatus]), [['register', 'approved'], ['status', 'approved']]);
  s.close();
});

test('argument errors: wrong counts, flags after the fingerprint, unknown fingerprints', async (t) => {
  const db = tempDb(t);
  assert.match((await cli(['block', '--db', db])).err, /usage: blocked \[--label <label>\] \[--register\] <fingerprint>\n$/);
  assert.match((await cli(['label', '--db', db, 'abc'])).err, /usage: label <fingerprint> <label>\n$/);
  assert.match((await cli(['delete', '--db', db])).err, /usage: delete <fingerprint>\n$/);
  const after = await cli(['approve', 'abc', '--db', db]);
  assert.equal(after.code, 1, 'flags after the fingerprint are positional, as with Go flag');
  assert.match((await cli(['label', '--db', db, 'abc', 'x'])).err, /fingerprint not found: abc\n$/);
  assert.equal((await cli(['list', '--nope'])).code, 2);
  assert.equal((await cli(['list', '-h'])).code, 0);
});

test('correlate refuses a fingerprint without IPs; serve without routes is a usage error', async (t) => {
  const db = tempDb(t);
  await cli(['pending', '--db', db, '--register', 'ffffffffffffffffffffffffffffffff']);
  const c = await cli(['correlate', '--db', db, 'ffff']);
  assert.equal(c.code, 1);
  assert.match(c.err, /fingerprint ffffffffffffffffffffffffffffffff has no IPs to correlate\n$/);
  const s = await cli(['serve', '--db', db]);
  assert.equal(s.code, 1);
  assert.match(s.err, /usage: serve --route LISTEN=BACKEND \[--route LISTEN=BACKEND\]\n$/);
});
