/**
 * Two sshgate instances on one real redis-server (with a password), each with its own database, in
 * front of one real sshd: an OpenSSH client refused through gate B is approved with gate A's
 * `sshgate approve -redis` and passes through B within a second; a block made while Redis is down
 * is merged when it is back (Redis restarted empty); the password is in no log line or output. Gate B
 * runs two workers (-workers 2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../helpers/redis-server.js';
import { opensshLogin, sshgate, startGate, startSshd, waitUntil } from '../fixtures/gate/sshd-harness.js';

const REDIS_PASSWORD = 'gate-redis-pw-7Hq2';

/** Polls a gate's database the way its accept path reads it (status by fingerprint): resolves with the time it took. */
async function statusWithin(db: string, fp: string, status: string, ms: number): Promise<number> {
  const handle = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const q = handle.prepare('SELECT status FROM fingerprints WHERE fp = ?');
    const start = performance.now();
    for (;;) {
      const row = q.get(fp) as { status: string } | undefined;
      if (row?.status === status) return performance.now() - start;
      if (performance.now() - start > ms) throw new Error(`${fp} not ${status} in ${db} within ${ms} ms (is ${row?.status ?? 'absent'})`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    handle.close();
  }
}

function labelOf(db: string, fp: string): string | undefined {
  const handle = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (handle.prepare('SELECT label FROM fingerprints WHERE fp = ?').get(fp) as { label: string } | undefined)?.label;
  } finally {
    handle.close();
  }
}

async function until(check: () => boolean, ms: number, what: string): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - start;
}

test('two gates on one Redis: approve through A, the client passes through B within 1 s; a block made while Redis is down is merged when it is back', { timeout: 180_000 }, async (t) => {
  const redis = await startRedis(t, { password: REDIS_PASSWORD });
  const sshd = await startSshd();
  t.after(() => sshd.stop());
  const work = mkdtempSync(join(tmpdir(), 'sshgate-cluster-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const dbA = join(work, 'a.db');
  const dbB = join(work, 'b.db');
  // A takes the URL as a flag, B from its JSON config (where a password belongs).
  const configB = join(work, 'b.json');
  writeFileSync(configB, JSON.stringify({ redis_url: redis.url }));
  const gateA = await startGate([`127.0.0.1:${sshd.port}`, '--db', dbA, '-config', join(work, 'none.json'), '-redis', redis.url]);
  t.after(async () => { await gateA.stop(); });
  // B also runs two workers: what they record goes out through the primary, and what Redis brings, they read from the file.
  const gateB = await startGate([`127.0.0.1:${sshd.port}`, '--db', dbB, '-config', configB, '-workers', '2']);
  t.after(async () => { await gateB.stop(); });
  for (const g of [gateA, gateB]) {
    assert.ok(g.log.some((l) => l.endsWith(`redis: redis://127.0.0.1:${redis.port} (key prefix "sks5:")`)), g.log.join('\n'));
    assert.ok(g.log.some((l) => l.endsWith(`REDIS redis://127.0.0.1:${redis.port} connected; fingerprint decisions merged`)), g.log.join('\n'));
  }

  // 1. Unknown client through B: refused and recorded there; A learns of the record.
  const refused = await opensshLogin(gateB.port, sshd.userKey, 'echo ok');
  assert.notEqual(refused.code, 0);
  await waitUntil(() => gateB.log.some((l) => / BLOCKED [0-9a-f]{32} /.test(l)), 5000, "B's BLOCKED line");
  const fp = (/ BLOCKED ([0-9a-f]{32}) /.exec(gateB.log.find((l) => / BLOCKED [0-9a-f]{32} /.test(l))!) as RegExpExecArray)[1]!;
  await statusWithin(dbA, fp, 'blocked', 2000);
  const listA = await sshgate(['list', '-v', '--db', dbA]);
  assert.match(listA.stdout, new RegExp(`^${fp}  blocked  -  .*SSH-2\\.0-OpenSSH_`, 'm'), 'the record (client version) travelled; B saw it, not A');

  // 2. Approved through A's management command (by prefix, as an operator types it): in force on B within 1 s.
  const typed = performance.now();
  const approve = await sshgate(['approve', '--db', dbA, '-redis', redis.url, '--label', 'alice laptop', fp.slice(0, 10)]);
  const returned = performance.now();
  assert.deepEqual([approve.code, approve.stdout, approve.stderr], [0, '', ''], 'silent, as the original');
  const ms = await statusWithin(dbB, fp, 'approved', 1000);
  console.log(`approval through A's CLI in force on B ${ms.toFixed(0)} ms after the command returned (${(returned + ms - typed).toFixed(0)} ms after it started)`);
  const ok = await opensshLogin(gateB.port, sshd.userKey, 'echo ok');
  assert.equal(ok.code, 0, ok.stderr.slice(-2000));
  assert.equal(ok.stdout, 'ok\n');
  await waitUntil(() => gateB.log.some((l) => l.includes(`APPROVED ${fp} label="alice laptop"`)), 5000, "B's APPROVED line with A's label");
  const listB = JSON.parse((await sshgate(['list', '--json', '--db', dbB])).stdout) as Array<{ fingerprint: string; label: string; count: number }>;
  assert.deepEqual(listB.filter((r) => r.fingerprint === fp).map((r) => [r.label, r.count]), [['alice laptop', 2]], 'B counted both of its sightings');

  // 3. Redis down: B's block stays local (said on stderr, exit 0); Redis back empty: B's gate merges it, A applies it.
  await redis.stop();
  await waitUntil(() => gateA.log.some((l) => l.includes(`REDIS redis://127.0.0.1:${redis.port} unavailable`)), 10_000, 'A logs Redis unavailable');
  const block = await sshgate(['block', '--db', dbB, '-config', configB, fp]);
  assert.equal(block.code, 0);
  assert.match(block.stderr, new RegExp(`REDIS redis://127\\.0\\.0\\.1:${redis.port} unavailable \\(.*\\): the change is in this database only`));
  assert.notEqual((await opensshLogin(gateB.port, sshd.userKey, 'echo ok')).code, 0, 'B refuses at once: it reads its own file');
  assert.equal(await statusWithin(dbA, fp, 'approved', 10) >= 0, true, 'A still approves: it cannot know');
  await redis.start();
  await waitUntil(() => gateB.log.some((l) => l.endsWith('back; fingerprint decisions merged')), 15_000, 'B merges when Redis is back');
  await statusWithin(dbA, fp, 'blocked', 15_000);
  assert.notEqual((await opensshLogin(gateA.port, sshd.userKey, 'echo ok')).code, 0, 'A refuses after the merge');
  await waitUntil(() => gateA.log.some((l) => l.includes(`BLOCKED ${fp} label="alice laptop"`)), 5000, "A's BLOCKED line");

  // 4. A change made with no Redis option (the original's command line) is shared by the gate serving that file.
  const relabel = await sshgate(['label', '--db', dbA, fp, 'relabelled on A']);
  assert.deepEqual([relabel.code, relabel.stderr], [0, '']);
  const viaServe = await until(() => labelOf(dbB, fp) === 'relabelled on A', 1000, "A's serve shares the CLI's label");
  console.log(`label by a CLI without -redis on B after ${viaServe.toFixed(0)} ms (A's gate reads its events every 100 ms)`);

  // 5. The password: in no gate log line, no command output.
  for (const text of [...gateA.log, ...gateB.log, approve.stderr, block.stderr, listA.stdout]) assert.doesNotMatch(text, new RegExp(REDIS_PASSWORD));
});
