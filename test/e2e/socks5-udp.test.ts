/**
 * UDP ASSOCIATE through the pipeline's stages, end to end: the built CLI, a SOCKS5 UDP client written
 * in Python from RFC 1928 (test/fixtures/udp/socks5_udp_client.py), UDP echo targets on 127.0.0.1
 * and 127.0.0.2, and /metrics scraped. A denied destination is dropped and counted as a TCP denial
 * is (acl.deny, sks5_acl_denied_total, the same warning); an allowed one is relayed both ways. A
 * spray of datagrams to a denied target (a node:dgram client) is reported once plus a summary, and
 * counted in full by the metrics, without costing the client its reputation.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { aliceDenying127002, ROOT, startSks5, testHash, type Sks5Process, LOOPBACK_NO_GUARDS } from '../helpers/sks5-process.js';
import { socksConnect } from '../helpers/socks-client.js';
import { encodeUdpDatagram, parseUdpDatagram } from '../../src/socks/codec.js';

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

${await aliceDenying127002()}
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

test('UDP ASSOCIATE: 200 datagrams to a denied target are one warning and one summary, counted 200 times, and do not ban the client', async (t) => {
  const allowed = await udpEcho(t, '127.0.0.1');
  const denied = await udpEcho(t, '127.0.0.2', allowed.port);
  const dir = mkdtempSync(join(tmpdir(), 'sks5-udp-e2e-'));
  const audit = join(dir, 'audit.log');
  // Reputation on: an ACL denial is 5 points and the ban threshold 100, so 20 reputation hits would ban 127.0.0.1.
  const srv = await startSks5(t, `
${LOOPBACK_NO_GUARDS}
ip_reputation_enabled = true
ip_reputation_ban_threshold = 100
${METRICS}

[logging]
format = "json"
audit_log_path = "${audit}"

${await aliceDenying127002()}
`, { expect: ['socks5', 'metrics'], dir });

  const assoc = await socksConnect(srv.socks5!, 'alice', 'secret', '0.0.0.0', 0, 3);
  assert.equal(assoc.reply, 0);
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  t.after(() => { client.close(); assoc.socket.destroy(); });
  const send = (host: string, data: string): Promise<void> => new Promise((r, j) => client.send(encodeUdpDatagram(host, allowed.port, Buffer.from(data)), assoc.bindPort!, '127.0.0.1', (err) => (err ? j(err) : r())));
  const started = Date.now();
  // In batches, each awaited, so loopback's receive buffer never overflows and every datagram arrives.
  for (let i = 0; i < 200; i += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => send('127.0.0.2', `d${i + k}`)));
  const echoed = new Promise<Buffer>((r, j) => {
    const timer = setTimeout(() => j(new Error('no echo from the allowed target within 10 s')), 10_000);
    client.once('message', (m) => { clearTimeout(timer); r(m); });
  });
  await send('127.0.0.1', 'ping');
  const reply = parseUdpDatagram(await echoed);
  assert.ok(reply.kind === 'ok' && reply.value.data.toString() === 'echo:ping', 'the association still relays the allowed target');
  assert.deepEqual(denied.received, [], 'nothing reached the denied destination');

  // The association ends with its control connection: what is still counted is reported then.
  assoc.socket.destroy();
  await srv.waitForLog((l) => l.msg === 'udp association closed');
  const target = `127.0.0.2:${allowed.port}`;
  const deadline = Date.now() + 10_000;
  while ((await aclDenied(srv)) < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const elapsed = Date.now() - started;
  assert.equal(await aclDenied(srv), 200, 'sks5_acl_denied_total counts every dropped datagram');

  const warnings = srv.logs.filter((l) => l.code === 'SKS5_DENY_ACL' && l.target === target);
  assert.equal(warnings.filter((l) => String(l.msg).startsWith('datagram refused: ')).length, 1, 'the first refusal, with its reason');
  const summaries = warnings.filter((l) => /^\d+ datagrams? to 127\.0\.0\.2:\d+ refused \(SKS5_DENY_ACL\)$/.test(String(l.msg)));
  assert.equal(summaries.length + 1, warnings.length, 'every other warning is a summary');
  // One summary at the end, plus at most one per 5 s interval the spray took (none on a quick machine).
  assert.ok(summaries.length >= 1 && summaries.length <= 1 + Math.floor(elapsed / 5000), `${summaries.length} summaries in ${elapsed} ms`);
  assert.equal(warnings.reduce((n, l) => n + Number(l.datagrams), 0), 200);

  // The audit log has as many acl.deny records as warnings, and they add up to the 200 datagrams.
  let records: Record<string, unknown>[] = [];
  while (Date.now() < deadline + 10_000) {
    records = (existsSync(audit) ? readFileSync(audit, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [])
      .filter((l) => l['event_type'] === 'acl.deny' && l['target_host'] === '127.0.0.2');
    if (records.reduce((n, l) => n + Number(l['datagrams']), 0) >= 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(records.length, warnings.length);
  assert.equal(records.reduce((n, l) => n + Number(l['datagrams']), 0), 200);

  // One reputation hit for the target, not 200: the client is still admitted.
  const again = await socksConnect(srv.socks5!, 'alice', 'secret', '0.0.0.0', 0, 3);
  t.after(() => again.socket.destroy());
  assert.equal(again.reply, 0, 'not refused for reputation');
});
