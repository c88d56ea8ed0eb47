import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RESTART_BACKOFF_MS, RESTART_BACKOFF_MS, restartDelay, workerCount } from '../../src/server/primary.js';
import { SessionRegistry } from '../../src/pipeline/sessions.js';
import { buildConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/config-error.js';

const USERS = { users: [{ username: 'a', authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a@b'] }] };
const load = (server: Record<string, unknown>, env: Record<string, string> = {}) => buildConfig({ server, ...USERS }, 'test.toml', { env, useEnv: true }).config;

test('workers: unset is one process; a number; "auto" is one per core; SKS5_WORKERS as text', () => {
  assert.equal(workerCount(load({})), 1);
  assert.equal(workerCount(load({ workers: 3 })), 3);
  assert.equal(workerCount(load({ workers: 'auto' }), 8), 8);
  assert.equal(workerCount(load({}, { SKS5_WORKERS: '4' })), 4);
  assert.equal(workerCount(load({}, { SKS5_WORKERS: 'auto' }), 2), 2);
});

test('workers: zero, too many, a fraction or a word are refused with the key named', () => {
  for (const bad of [0, 257, 1.5, 'many', '-1', '08']) {
    assert.throws(() => load({ workers: bad }), (err: unknown) => err instanceof ConfigError && err.issues.some((i) => i.startsWith('server.workers')), String(bad));
  }
});

test('a crashing worker is restarted after 100 ms, doubling per crash in a row, capped at 10 s', () => {
  assert.equal(restartDelay(1), RESTART_BACKOFF_MS);
  assert.equal(restartDelay(2), 2 * RESTART_BACKOFF_MS);
  assert.equal(restartDelay(5), 16 * RESTART_BACKOFF_MS);
  assert.equal(restartDelay(30), MAX_RESTART_BACKOFF_MS);
});

test('session ids: one process counts s1, s2, ...; worker 2 of 3 takes every third id, so ids are unique on the machine', () => {
  const one = new SessionRegistry();
  assert.deepEqual([one.nextSessionId(), one.nextSessionId()], ['s1', 's2']);
  const ids = [1, 2, 3].flatMap((index) => { const r = new SessionRegistry({ index, count: 3 }); return [r.nextSessionId(), r.nextSessionId()]; });
  assert.deepEqual(ids, ['s1', 's4', 's2', 's5', 's3', 's6']);
});

test('a worker\'s share of a machine-wide rate: 1/N rounded up, never 0; one process or no limit unchanged', async () => {
  const { workerShare } = await import('../../src/policy/machine-share.js');
  const machine = (workers: number) => ({ workers, tunnels: () => 0, connections: () => 0 });
  assert.equal(workerShare(10, machine(2)), 5);
  assert.equal(workerShare(9, machine(2)), 5);
  assert.equal(workerShare(1, machine(4)), 1);
  assert.equal(workerShare(0, machine(4)), 0, '0 means no limit');
  assert.equal(workerShare(10, undefined), 10);
  assert.equal(workerShare(10, machine(1)), 10);
});
