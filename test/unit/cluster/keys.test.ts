import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterKeys, ipOfFailKey } from '../../../src/cluster/keys.js';
import { redisTarget, safeReason } from '../../../src/cluster/redis-link.js';
import { defaultNodeName } from '../../../src/cluster/node.js';
import { makeConfig } from '../store/state-fixtures.js';

test('every key and channel carries the prefix; failure keys give their IP back', () => {
  const k = clusterKeys('team1:');
  assert.deepEqual([k.bans, k.reputation, k.stateChannel, k.fail('::1'), k.failPattern], ['team1:bans', 'team1:rep', 'team1:state', 'team1:fail:::1', 'team1:fail:*']);
  assert.equal(ipOfFailKey(k, 'team1:fail:10.0.0.1'), '10.0.0.1');
  assert.equal(ipOfFailKey(k, 'team1:fail:'), undefined);
  assert.equal(ipOfFailKey(k, 'team2:fail:10.0.0.1'), undefined);
});

test('the Redis target and error texts never carry credentials', () => {
  assert.equal(redisTarget('redis://user:pw@db.example:6380/2'), 'redis://db.example:6380');
  assert.equal(redisTarget('rediss://:pw@db.example'), 'rediss://db.example:6379');
  assert.equal(redisTarget('::'), 'redis://(unparseable)');
  assert.equal(safeReason(new Error('cannot reach redis://u:secret@h:1 now')), 'cannot reach redis://h:1 now');
  assert.equal(safeReason('x'.repeat(1000)).length, 300);
});

test('node name: configured, else host:ssh-port, else host:pid when the port is 0', () => {
  assert.equal(defaultNodeName(makeConfig({ cluster: { node_name: 'n1' } }), 'h', 7), 'n1');
  assert.equal(defaultNodeName(makeConfig({ server: { ssh_listen: '0.0.0.0:2222' } }), 'h', 7), 'h:2222');
  assert.equal(defaultNodeName(makeConfig({ server: { ssh_listen: '[::1]:0' } }), 'h', 7), 'h:pid7');
});
