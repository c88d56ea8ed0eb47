import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusGateMetrics } from '../../../src/gate/metrics.js';
import { VERSION } from '../../../src/version.js';

test('the gate\'s series keep their names, types and values on the registry observe/metrics.ts makes', async () => {
  let rows = 3;
  const m = new PrometheusGateMetrics(() => rows);
  m.connection('10.0.0.1:22');
  m.result('10.0.0.1:22', 'proxied');
  m.result('10.0.0.1:22', 'proxied');
  m.active(2);
  m.active(-1);
  m.bytes('10.0.0.1:22', 'upstream', 10);
  m.bytes('10.0.0.1:22', 'downstream', 0);
  rows = 5;
  const text = await m.registry.metrics();
  for (const line of [
    '# TYPE sshgate_connections_total counter', 'sshgate_connections_total{route="10.0.0.1:22"} 1',
    '# TYPE sshgate_connection_results_total counter', 'sshgate_connection_results_total{route="10.0.0.1:22",result="proxied"} 2',
    '# TYPE sshgate_active_connections gauge', 'sshgate_active_connections 1',
    '# TYPE sshgate_proxied_bytes_total counter', 'sshgate_proxied_bytes_total{route="10.0.0.1:22",direction="upstream"} 10',
    '# TYPE sshgate_store_fingerprints gauge', 'sshgate_store_fingerprints 5',
    '# TYPE sshgate_build_info gauge', `sshgate_build_info{version="${VERSION}"} 1`,
  ]) assert.ok(text.split('\n').includes(line), line);
  assert.ok(!text.includes('direction="downstream"'), 'zero bytes add no series');
  assert.match(text, /^sshgate_process_cpu_user_seconds_total /m, 'process metrics carry the gate prefix');
  assert.ok(!/^sks5_/m.test(text), 'a registry of its own, nothing of sks5 in it');
  assert.match(m.registry.contentType, /^text\/plain; version=0\.0\.4/);
});
