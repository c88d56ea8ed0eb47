/**
 * Client fingerprint approvals shared by two sks5 nodes and an sshgate on one real redis-server:
 * with require_approved_fingerprint, an OpenSSH client refused by node B is approved through node
 * A's API and logs in through B within a second; the gate on the same Redis and prefix starts with
 * that approval, and a block made with the gate's CLI refuses the client on B again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { api, startNode, until } from '../helpers/cluster-nodes.js';
import { startRedis } from '../helpers/redis-server.js';
import { sshgate, startGate } from '../fixtures/gate/sshd-harness.js';

const run = promisify(execFile);
const REDIS_PASSWORD = 'fp-redis-pw-Y5m1';

async function sshEcho(port: number): Promise<{ code: number; stderr: string }> {
  try {
    await run('sshpass', ['-p', 'secret', 'ssh', '-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'ConnectTimeout=10', '-p', String(port), 'alice@127.0.0.1', 'whoami'], { timeout: 30_000 });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: unknown; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stderr: err.stderr ?? '' };
  }
}

function statusIn(db: string, fp: string): string | undefined {
  const h = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (h.prepare('SELECT status FROM fingerprints WHERE fp = ?').get(fp) as { status: string } | undefined)?.status;
  } finally {
    h.close();
  }
}

test('two sks5 nodes and a gate share fingerprint approvals: approve through A, pass through B within 1 s; block with the gate CLI, refused on B', { timeout: 180_000 }, async (t) => {
  const redis = await startRedis(t, { password: REDIS_PASSWORD });
  const extra = '[persistence]\ndata_dir = "data"';
  const a = await startNode(t, 'node-a', redis.url, extra, 'require_approved_fingerprint = true');
  const b = await startNode(t, 'node-b', redis.url, extra, 'require_approved_fingerprint = true');
  const dbB = join(b.dir, 'data', 'fingerprints.db');

  const refused = await sshEcho(b.ssh!.port);
  assert.notEqual(refused.code, 0, 'unapproved client refused by B');
  const fp = String((await b.waitForLog((l) => l.msg === 'SSH client fingerprint')).fingerprint);
  assert.match(refused.stderr, new RegExp(`not approved yet: ask an administrator to approve its fingerprint ${fp}`));
  // A learns of the client B saw (the record, not a decision), so its API can approve it.
  await until(async () => ((await api(a, '/api/fingerprints')).body.data as Array<{ fingerprint: string }>).some((f) => f.fingerprint === fp), 2000, "A lists B's fingerprint");

  const approved = await api(a, `/api/fingerprints/${fp}/approve`, { method: 'POST', body: JSON.stringify({ label: 'alice laptop' }) });
  assert.equal(approved.status, 200, approved.text);
  const ms = await until(async () => statusIn(dbB, fp) === 'approved', 1000, "B's store approves");
  console.log(`approval through A's API in force on B after ${ms.toFixed(0)} ms`);
  const ok = await sshEcho(b.ssh!.port);
  assert.equal(ok.code, 0, ok.stderr);
  await b.waitForLog((l) => l.msg === 'authenticated' && l.user === 'alice');
  const onB = ((await api(b, '/api/fingerprints')).body.data as Array<{ fingerprint: string; label: string; status: string }>).find((f) => f.fingerprint === fp);
  assert.deepEqual([onB?.status, onB?.label], ['approved', 'alice laptop']);

  // An sshgate on the same Redis and (default) prefix starts with the cluster's decisions.
  const gateDb = join(a.dir, 'gate.db');
  const gate = await startGate([`127.0.0.1:${b.ssh!.port}`, '--db', gateDb, '-config', join(a.dir, 'none.json'), '-redis', redis.url]);
  t.after(async () => { await gate.stop(); });
  assert.equal(statusIn(gateDb, fp), 'approved', 'the gate starts with the approval made through sks5');
  const block = await sshgate(['block', '--db', gateDb, '-redis', redis.url, fp]);
  assert.deepEqual([block.code, block.stderr], [0, '']);
  await until(async () => statusIn(dbB, fp) === 'blocked', 1000, "the gate CLI's block reaches B");
  assert.notEqual((await sshEcho(b.ssh!.port)).code, 0, 'B refuses the blocked client');
  assert.equal(statusIn(join(a.dir, 'data', 'fingerprints.db'), fp), 'blocked');

  for (const srv of [a, b]) assert.doesNotMatch(JSON.stringify(srv.logs), new RegExp(REDIS_PASSWORD));
  assert.doesNotMatch(gate.log.join('\n'), new RegExp(REDIS_PASSWORD));
});
