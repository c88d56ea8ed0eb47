/**
 * Auto-ban through a real SOCKS5 client: N bad passwords from one source ban it, after which even
 * the right password is refused before authentication; the ban survives a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { startSks5, testHash } from '../helpers/sks5-process.js';
import { socksConnect } from '../helpers/socks-client.js';

async function echoTarget(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0 };
}

async function config(dataDir: string): Promise<string> {
  return `
[server]
socks5_listen = "127.0.0.1:0"
ssh_listen = "127.0.0.1:0"

[security]
ip_guard_enabled = false
ban_enabled = true
ban_threshold = 3
ban_window = 300
ban_duration = 600

[persistence]
data_dir = ${JSON.stringify(dataDir)}

[acl]
default_policy = "allow"

[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
`;
}

test('three bad passwords ban the source; the right password is then refused; the ban survives a restart', async (t) => {
  const target = await echoTarget();
  t.after(() => target.server.close());
  const first = await startSks5(t, await config('./data'));
  const proxy = first.socks5!;

  const ok = await socksConnect(proxy, 'alice', 'secret', '127.0.0.1', target.port);
  assert.equal(ok.reply, 0, 'the right password works before any failure');
  ok.socket.destroy();

  for (let i = 0; i < 3; i++) {
    const bad = await socksConnect(proxy, 'alice', `wrong${i}`, '127.0.0.1', target.port);
    assert.equal(bad.authStatus, 1, `bad password ${i + 1} is refused`);
    bad.socket.destroy();
  }

  const banned = await socksConnect(proxy, 'alice', 'secret', '127.0.0.1', target.port);
  assert.notEqual(banned.reply, 0, 'no tunnel for a banned source');
  // Refused at the greeting (no acceptable method, or closed): no password is even read.
  assert.ok(banned.method === 0xff || banned.method === -1, `refused before authentication (method ${banned.method}, auth ${String(banned.authStatus)})`);
  banned.socket.destroy();

  await first.stop('SIGTERM');
  const second = await startSks5(t, await config('./data'), { dir: first.dir });
  const after = await socksConnect(second.socks5!, 'alice', 'secret', '127.0.0.1', target.port);
  assert.ok(after.method === 0xff || after.method === -1, `still banned after a restart (method ${after.method})`);
  after.socket.destroy();
});
