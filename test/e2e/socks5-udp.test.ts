/**
 * UDP ASSOCIATE through the pipeline's stages, end to end: the built CLI, a SOCKS5 UDP client written
 * in Python from RFC 1928 (test/fixtures/udp/socks5_udp_client.py), UDP echo targets on 127.0.0.1
 * and 127.0.0.2, and /metrics scraped. A denied destination is dropped and counted as a TCP denial
 * is (acl.deny, sks5_acl_denied_total, the same warning); an allowed one is relayed both ways.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, startSks5, testHash, type Sks5Process, LOOPBACK_NO_GUARDS } from '../helpers/sks5-process.js';
import { socksConnect } from '../helpers/socks-client.js';

const run = promisify(execFile);
const METRICS = `[metrics]
enabled = true
listen = "127.0.0.1:0"`;
const CLIENT = join(ROOT, 'test', 'fixtures', 'udp', 'socks5_udp_client.py');

async function udpEcho(t: TestContext, host: string, port = 0): Promise<{ socket: Socket; port: number; received: string[] }> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (m, r) => { received.push(m.toString()); socket.send(Buffer.concat([Buffer.from('echo:'), m]), r.port, r.address); });
  await new Promise<void>((r) => socket.bind(port, host, r));
  t.after(() => socket.close());
  return { socket, port: socket.address().port, received };
}

async function aclDenied(srv: Sks5Process): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${srv.metrics!.port}/metrics`)).text();
  const m = /^sks5_acl_denied_total\{code="SKS5_DENY_ACL"\} (\S+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

test('UDP ASSOCIATE: a denied destination is dropped and counted like a TCP denial, an allowed one relayed', async (t) => {
  const allowed = await udpEcho(t, '127.0.0.1');
  // The denied target listens on the same port at 127.0.0.2, so only the ACL tells them apart.
  const denied = await udpEcho(t, '127.0.0.2', allowed.port);
  const srv = await startSks5(t, `
${LOOPBACK_NO_GUARDS}
${METRICS}

[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
[users.acl]
default_policy = "allow"
deny = ["127.0.0.2:*"]
`, { expect: ['socks5', 'metrics'] });
  assert.equal(await aclDenied(srv), 0);

  const { stdout } = await run('python3', [CLIENT, '127.0.0.1', String(srv.socks5!.port), 'alice', 'secret', String(allowed.port), '127.0.0.2'], { timeout: 20_000 });
  const out = JSON.parse(stdout) as { reply: number; replies: { from: string; port: number; data: string }[] };
  assert.equal(out.reply, 0);
  assert.deepEqual(out.replies, [{ from: '127.0.0.1', port: allowed.port, data: 'echo:ping' }], 'only the allowed datagram is answered');
  assert.deepEqual(allowed.received, ['ping']);
  assert.deepEqual(denied.received, [], 'nothing reached the denied destination');

  const warn = await srv.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('datagram refused') && l.code === 'SKS5_DENY_ACL');
  assert.equal(warn.target, `127.0.0.2:${allowed.port}`);
  assert.equal(await aclDenied(srv), 1, 'the dropped datagram is one ACL denial');

  // The same destination over TCP moves the same counter by one.
  const tcp = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.2', allowed.port);
  assert.equal(tcp.reply, 0x02);
  tcp.socket.destroy();
  await srv.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('tunnel refused') && l.code === 'SKS5_DENY_ACL');
  assert.equal(await aclDenied(srv), 2);
});

test('UDP ASSOCIATE for an account without forwarding is refused with reply 0x02 and an acl.deny', async (t) => {
  const srv = await startSks5(t, `
${LOOPBACK_NO_GUARDS}
${METRICS}

[[users]]
username = "bob"
password_hash = "${await testHash('hunter2')}"
allow_forwarding = false
`, { expect: ['socks5', 'metrics'] });
  const { stdout } = await run('python3', [CLIENT, '127.0.0.1', String(srv.socks5!.port), 'bob', 'hunter2', '9', '127.0.0.2'], { timeout: 20_000 });
  assert.deepEqual(JSON.parse(stdout), { reply: 0x02 });
  const warn = await srv.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('UDP ASSOCIATE refused') && l.code === 'SKS5_DENY_FORWARDING');
  assert.equal(warn.user, 'bob');
  const text = await (await fetch(`http://127.0.0.1:${srv.metrics!.port}/metrics`)).text();
  assert.match(text, /^sks5_acl_denied_total\{code="SKS5_DENY_FORWARDING"\} 1$/m);
});
