import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
  FingerprintStore.open(db).close();
  assert.match((await cli(['block', '--db', db])).err, /usage: block \[--label <label>\] \[--register\] <fingerprint>\n$/);
  assert.match((await cli(['approve', '--db', db])).err, /usage: approve \[--label <label>\] \[--register\] <fingerprint>\n$/);
  assert.match((await cli(['pending', '--db', db])).err, /usage: pending \[--label <label>\] \[--register\] <fingerprint>\n$/);
  assert.match((await cli(['label', '--db', db, 'abc'])).err, /usage: label <fingerprint> <label>\n$/);
  assert.match((await cli(['delete', '--db', db])).err, /usage: delete <fingerprint>\n$/);
  const after = await cli(['approve', 'abc', '--db', db]);
  assert.equal(after.code, 1, 'flags after the fingerprint are positional, as with Go flag');
  assert.match((await cli(['label', '--db', db, 'abc', 'x'])).err, /fingerprint not found: abc\n$/);
  assert.equal((await cli(['list', '--nope'])).code, 2);
  assert.equal((await cli(['list', '-h'])).code, 0);
});

test('management commands on a database that does not exist say so, exit 1 and create nothing', async (t) => {
  const db = tempDb(t);
  const fp = '0123456789abcdef0123456789abcdef';
  const runs = [['list'], ['list', '--json'], ['approve', fp], ['block', fp], ['pending', fp], ['label', fp, 'x'],
    ['delete', fp], ['correlate', fp]];
  for (const [command, ...args] of runs) {
    const r = await cli([command as string, '--db', db, ...args]);
    assert.equal(r.code, 1, command);
    assert.equal(r.out, '', command);
    assert.ok(r.err.endsWith(`open store: database ${db} does not exist (sshgate serve creates it; check --db)\n`), `${command}: ${r.err}`);
    assert.equal(existsSync(db), false, `${command} must not create the store`);
  }
  // --register writes a real entry, so it may create the store (pre-approving before the gate first runs)
  assert.equal((await cli(['approve', '--db', db, '--register', fp])).code, 0);
  assert.match((await cli(['list', '--db', db])).out, new RegExp(`^${fp}  approved `, 'm'));
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

test('serve -max-connections: a positive integer, anything else is refused before the store opens', async (t) => {
  const db = tempDb(t);
  for (const bad of ['0', '-5']) {
    const r = await cli(['serve', '--db', db, '--max-connections', bad, '--route', '127.0.0.1:0=127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`invalid value "${bad}" for flag -max-connections: must be a positive integer\\n$`));
  }
  const help = await cli(['serve', '-h']);
  assert.match(help.err, /-max-connections int\n\s+connections handled at once across all routes; more are refused with OVERLOAD \(default 1024\)/);
});

test('serve -max-connections caps concurrent clients: one past the cap is dropped with OVERLOAD', async (t) => {
  const db = tempDb(t);
  const { createServer, connect } = await import('node:net');
  // A backend that never answers keeps every admitted client waiting inside the gate.
  const backend = createServer(() => undefined).listen(0, '127.0.0.1');
  await new Promise((r) => backend.once('listening', r));
  t.after(() => backend.close());
  let err = '';
  let stop!: (s: string) => void;
  const shutdown = new Promise<string>((r) => { stop = r; });
  const done = main(['serve', '--db', db, '--max-connections', '2', '--route', `127.0.0.1:0=127.0.0.1:${(backend.address() as { port: number }).port}`],
    { stdout: () => undefined, stderr: (s) => { err += s; }, shutdown });
  const until = Date.now() + 10_000;
  let m: RegExpExecArray | null;
  while (!(m = / LISTEN 127\.0\.0\.1:(\d+) -> /.exec(err))) {
    assert.ok(Date.now() < until, `gate did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = Number(m[1]);
  const clients = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
  await Promise.all(clients.map((c) => new Promise((r) => c.once('connect', r))));
  // Both are in the listen queue ahead of the third, and the gate accepts in order: no wait needed.
  const third = connect(port, '127.0.0.1');
  third.on('data', () => undefined);
  await new Promise((r) => third.once('close', r));
  while (!err.includes('OVERLOAD')) {
    assert.ok(Date.now() < until, `no OVERLOAD line: ${err}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(err, /\[127\.0\.0\.1\] OVERLOAD dropping connection/);
  for (const c of clients) c.destroy();
  stop('SIGTERM');
  assert.equal(await done, 0);
});
