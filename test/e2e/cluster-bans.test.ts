/**
 * Two (then three) sks5 instances on one real redis-server (with a password): auth failures counted
 * across nodes ban a source everywhere within a second, seen by curl and OpenSSH; an unban through
 * the other node's API lifts it everywhere; a node started later begins with the ban; the Redis
 * password appears in no log line, no API answer and not in show-config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SKS5_BIN, startHttpTarget } from '../helpers/sks5-process.js';
import { startRedis } from '../helpers/redis-server.js';
import { api, curl, metric, startNode, until } from '../helpers/cluster-nodes.js';

const run = promisify(execFile);
const REDIS_PASSWORD = 'redis-pw-Zq7xK3v9';

function ssh(port: number, from: string): Promise<{ code: number; stderr: string }> {
  const args = ['-p', 'secret', 'ssh', '-p', String(port), '-b', from,
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
    '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1',
    '-o', 'ConnectTimeout=20', 'alice@127.0.0.1', 'exit'];
  return new Promise((resolve) => {
    execFile('sshpass', args, { timeout: 60_000 }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

test('a ban counted across two nodes refuses everywhere within 1 s; an unban through the other node lifts it; a late node starts with it', async (t) => {
  const redis = await startRedis(t, { password: REDIS_PASSWORD });
  const port = await startHttpTarget(t);
  const url = `http://127.0.0.1:${port}/`;
  const a = await startNode(t, 'node-a', redis.url);
  const b = await startNode(t, 'node-b', redis.url);
  const attacker = '127.0.0.2';

  const health = await api(a, '/api/health');
  assert.equal(health.body.data.status, 'ok');
  assert.deepEqual({ node: health.body.data.cluster.node, state: health.body.data.cluster.state }, { node: 'node-a', state: 'connected' });
  assert.equal(health.body.data.cluster.redis, `redis://127.0.0.1:${redis.port}`, 'host and port only');
  assert.equal(await metric(a, 'sks5_cluster_redis_connected'), 1);

  assert.equal(await curl(a, 'secret', url, attacker), 0, 'the right password works at first');
  // Two failures on A and the third on B: only a shared window reaches ban_threshold = 3.
  // The login above also sends changes (its quota and rate counts); once B's count has held still for
  // 500 ms they have all arrived, and the two failures are counted from there.
  let baseline = await metric(b, 'sks5_cluster_state_changes_received_total');
  await until(async () => {
    await new Promise((r) => setTimeout(r, 500));
    const now = await metric(b, 'sks5_cluster_state_changes_received_total');
    const still = now === baseline;
    baseline = now;
    return still;
  }, 10_000, "B's received count settles after the login");
  assert.equal(await curl(a, 'wrong1', url, attacker), 97);
  assert.equal(await curl(a, 'wrong2', url, attacker), 97);
  await until(async () => (await metric(b, 'sks5_cluster_state_changes_received_total')) >= baseline + 2, 5000, 'B heard of the two failures on A');
  assert.equal(await curl(b, 'wrong3', url, attacker), 97);

  // Admission reads only the local ban list, so the ban is in force on A once A lists it; polling the API
  // (not a curl process per probe, which alone can take hundreds of ms on a loaded CI machine) times that.
  const onA = await until(async () => ((await api(a, '/api/bans')).body.data as Array<{ ip: string }>).some((x) => x.ip === attacker), 1000, 'A lists the ban B made');
  assert.ok(onA < 1000, `banned on A ${onA.toFixed(0)} ms after the ban on B`);
  assert.equal(await curl(a, 'secret', url, attacker), 97, 'A refuses the source B banned');
  assert.equal(await curl(b, 'secret', url, attacker), 97, 'B refuses it too');
  assert.equal(await curl(a, 'secret', url, '127.0.0.1'), 0, 'other sources still pass');
  const sshOnA = await ssh(a.ssh!.port, attacker);
  assert.equal(sshOnA.code, 255, 'OpenSSH from the banned source is refused on A');
  assert.doesNotMatch(sshOnA.stderr, /Permission denied/, 'before authentication');
  const bansOnA = (await api(a, '/api/bans')).body.data as Array<{ ip: string }>;
  assert.deepEqual(bansOnA.map((x) => x.ip), [attacker], 'A lists the ban B made');

  // A node that joins later starts with the cluster's bans.
  const c = await startNode(t, 'node-c', redis.url);
  assert.equal(await curl(c, 'secret', url, attacker), 97, 'the late node refuses the banned source at once');

  const del = await api(b, `/api/bans/${attacker}`, { method: 'DELETE' });
  assert.equal(del.status, 200);
  const unbanA = await until(async () => !((await api(a, '/api/bans')).body.data as Array<{ ip: string }>).some((x) => x.ip === attacker), 1000, 'A drops the ban after the unban on B');
  assert.ok(unbanA < 1000);
  assert.equal(await curl(a, 'secret', url, attacker), 0, 'A accepts the source again');
  assert.equal(await curl(c, 'secret', url, attacker), 0, 'the late node accepts it too');
  assert.equal(await curl(b, 'secret', url, attacker), 0);

  for (const srv of [a, b, c]) {
    const all = JSON.stringify(srv.logs) + (await api(srv, '/api/health')).text + (await api(srv, '/api/status')).text;
    assert.ok(!all.includes(REDIS_PASSWORD), 'the Redis password is in no log line and no API answer');
  }
  const shown = await run(process.execPath, [SKS5_BIN, 'show-config', '--config', a.configPath]);
  assert.ok(!shown.stdout.includes(REDIS_PASSWORD), 'show-config hides the password');
  assert.match(shown.stdout, /redis:\/\/default:\*\*\*@127\.0\.0\.1/);
});
