/**
 * A reload changes what new SSH connections see (identification, banner, algorithms) while an
 * established connection keeps working; settings ssh2 would refuse are refused by the reload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import ssh2 from 'ssh2';
import { configSchema, type Config } from '../../src/config/schema.js';
import { startServer } from '../../src/server/start.js';
import { fastHash } from '../fixtures/ssh/harness.js';

/** The server's identification line and whatever else it sent first. */
function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error('no identification line')); }, 10_000);
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\r\n');
      if (nl >= 0) { clearTimeout(timer); s.destroy(); resolve(buf.slice(0, nl)); }
    });
    s.on('error', reject);
  });
}

test('reload: new connections get the new identification and banner, an open one keeps forwarding', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-ssh-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const http = createHttpServer((_req, res) => res.end('target ok'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  t.after(() => { http.closeAllConnections(); http.close(); });
  const httpPort = (http.address() as { port: number }).port;

  const pw = await fastHash('secret');
  const make = (server: Record<string, unknown>): Config => configSchema.parse({
    server: { ssh_listen: '127.0.0.1:0', host_key_path: join(dir, 'host_key'), shutdown_timeout: 1, ...server },
    security: { ip_guard_enabled: false, ban_enabled: false },
    persistence: { data_dir: join(dir, 'data') },
    users: [{ username: 'alice', password_hash: pw }],
  });
  let current = make({ server_id: 'SSH-2.0-before_1.0', banner: 'before reload' });
  const running = await startServer({ config: current, reloadConfig: () => current, log: pino({ level: 'silent' }) });
  t.after(() => running.shutdown('test over'));
  const port = Number(running.addresses.ssh?.split(':').pop());
  assert.equal(await firstLine(port), 'SSH-2.0-before_1.0');

  // An SSH connection made before the reload, with the banner of its time.
  const client = new ssh2.Client();
  let banner = '';
  client.on('banner', (b: string) => { banner = b; });
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve()).once('error', reject)
      .connect({ host: '127.0.0.1', port, username: 'alice', password: 'secret', readyTimeout: 20_000 });
  });
  t.after(() => client.end());
  assert.match(banner, /before reload/);

  current = make({ server_id: 'SSH-2.0-after_2.0', banner: 'after reload' });
  assert.deepEqual(await running.reload(), { ok: true, users_count: 1 });
  assert.equal(await firstLine(port), 'SSH-2.0-after_2.0');

  // The established connection still forwards (it keeps the settings it negotiated).
  const body = await new Promise<string>((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, '127.0.0.1', httpPort, (err, ch) => {
      if (err) return reject(err);
      let got = '';
      ch.on('data', (d: Buffer) => { got += d.toString(); });
      ch.on('close', () => resolve(got));
      ch.end('GET / HTTP/1.0\r\n\r\n');
    });
  });
  assert.match(body, /target ok$/);

  // Settings ssh2 would refuse are refused by the reload, and nothing changes.
  current = make({ server_id: 'SSH-2.0-broken_3.0', allowed_ciphers: ['no-such-cipher@example.com'] });
  const refused = await running.reload();
  assert.equal(refused.ok, false);
  assert.match(JSON.stringify(refused), /no-such-cipher/);
  assert.equal(await firstLine(port), 'SSH-2.0-after_2.0');
});
