/**
 * The standalone SOCKS5 proxy end to end: the built CLI, real curl, raw RFC 1928 clients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect as tlsConnect } from 'node:tls';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSks5, testHash } from '../helpers/sks5-process.js';
import { openSocket, readBytes, socksConnect } from '../helpers/socks-client.js';
import { encodeUdpDatagram, encodeUserPass, parseUdpDatagram, encodeRequest } from '../../src/socks/codec.js';

const run = promisify(execFile);

async function httpTarget(host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url === '/big') { res.end(Buffer.alloc(2 * 1024 * 1024, 0x61)); return; }
    res.end(`hello from ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0 };
}

async function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('curl', ['-sS', '--max-time', '20', ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function config(extra = '', guard = false): Promise<string> {
  return `
[server]
socks5_listen = "127.0.0.1:0"
ssh_listen = "127.0.0.1:0"

[security]
ip_guard_enabled = ${guard}
ban_enabled = false

[limits]
socks5_handshake_timeout = 2

[acl]
default_policy = "allow"

[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
[users.acl]
deny = ["127.0.0.2:*", "blocked.localhost:*"]

[[users]]
username = "bob"
password_hash = "${await testHash('hunter2')}"
allow_forwarding = false
${extra}`;
}

test('curl through the proxy: allowed, ACL-denied, bad password, unknown user', async (t) => {
  const target = await httpTarget();
  t.after(() => target.server.close());
  const srv = await startSks5(t, await config());
  const proxy = `${srv.socks5!.host}:${srv.socks5!.port}`;

  const ok = await curl(['--socks5-hostname', `alice:secret@${proxy}`, `http://localhost:${target.port}/a`]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'hello from /a');
  const ok2 = await curl(['--socks5', `alice:secret@${proxy}`, `http://127.0.0.1:${target.port}/b`]);
  assert.equal(ok2.stdout, 'hello from /b');

  // curl exit 97: proxy handshake error; the message names the SOCKS reply
  const denied = await curl(['--socks5', `alice:secret@${proxy}`, `http://127.0.0.2:${target.port}/`]);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /not allowed|ruleset|\(2\)/i);

  const bad = await curl(['--socks5-hostname', `alice:wrong@${proxy}`, `http://localhost:${target.port}/`]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /rejected|authentication/i);
  const unknown = await curl(['--socks5-hostname', `mallory:secret@${proxy}`, `http://localhost:${target.port}/`]);
  assert.notEqual(unknown.code, 0);

  const noFwd = await socksConnect(srv.socks5!, 'bob', 'hunter2', '127.0.0.1', target.port);
  assert.equal(noFwd.authStatus, 0);
  assert.equal(noFwd.reply, 0x02);
  noFwd.socket.destroy();

  // one log line per tunnel, with user, target and bytes
  const closed = await srv.waitForLog((l) => l.msg === 'tunnel closed' && l.user === 'alice');
  assert.equal(typeof closed.bytes_down, 'number');
  assert.ok((closed.bytes_down as number) > 0);
  assert.ok(srv.logs.some((l) => l.msg === 'authentication failed: wrong password' || String(l.msg).startsWith('authentication failed')));
  assert.ok(!srv.logs.some((l) => JSON.stringify(l).includes('hunter2') || JSON.stringify(l).includes('wrong@')), 'no password in logs');
});

test('reply codes: refused 0x05, unresolvable 0x04, BIND 0x07, bad ATYP 0x08, no user/pass 0xFF', async (t) => {
  const srv = await startSks5(t, await config());
  const closedPort = await (async () => { const s = await httpTarget(); const p = s.port; await new Promise((r) => s.server.close(r)); return p; })();
  const refused = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', closedPort);
  assert.equal(refused.reply, 0x05);
  const nx = await socksConnect(srv.socks5!, 'alice', 'secret', 'does-not-exist.invalid', 80);
  assert.equal(nx.reply, 0x04);
  const bind = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', 80, 2);
  assert.equal(bind.reply, 0x07);
  const s = await openSocket(srv.socks5!.host, srv.socks5!.port);
  s.write(Buffer.from([5, 1, 0]));
  assert.deepEqual([...(await readBytes(s, 2))], [5, 0xff]);
  s.destroy();
  const s2 = await openSocket(srv.socks5!.host, srv.socks5!.port);
  s2.write(Buffer.concat([Buffer.from([5, 1, 2]), encodeUserPass('alice', 'secret'), Buffer.from([5, 1, 0, 7, 1, 2, 3, 4, 0, 80])]));
  const r = await readBytes(s2, 6);
  assert.deepEqual([...r.subarray(2, 6)], [1, 0, 5, 8]);
  s2.destroy();
});

test('anti-SSRF guard refuses loopback, mapped and metadata addresses with reply 0x02', async (t) => {
  const target = await httpTarget();
  t.after(() => target.server.close());
  const srv = await startSks5(t, await config('', true));
  for (const host of ['127.0.0.1', 'localhost', '::ffff:127.0.0.1', '169.254.169.254', '::1']) {
    const r = await socksConnect(srv.socks5!, 'alice', 'secret', host, target.port);
    assert.equal(r.reply, 0x02, host);
    r.socket.destroy();
  }
  const line = await srv.waitForLog((l) => String(l.msg).includes('anti-SSRF'));
  assert.match(String(line.msg), /anti-SSRF guard/);
});

test('IPv6 target through curl', async (t) => {
  const target = await httpTarget('::1');
  t.after(() => target.server.close());
  const srv = await startSks5(t, await config());
  const r = await curl(['--socks5', `alice:secret@${srv.socks5!.host}:${srv.socks5!.port}`, `http://[::1]:${target.port}/v6`]);
  assert.equal(r.stdout, 'hello from /v6', r.stderr);
});

test('bulk download is relayed intact and counted exactly', async (t) => {
  const target = await httpTarget();
  t.after(() => target.server.close());
  const srv = await startSks5(t, await config());
  const r = await run('curl', ['-sS', '--max-time', '30', '-o', '/dev/null', '-w', '%{size_download}', '--socks5-hostname', `alice:secret@${srv.socks5!.host}:${srv.socks5!.port}`, `http://localhost:${target.port}/big`]);
  assert.equal(r.stdout, String(2 * 1024 * 1024));
  const line = await srv.waitForLog((l) => l.msg === 'tunnel closed');
  assert.ok((line.bytes_down as number) > 2 * 1024 * 1024 && (line.bytes_down as number) < 2 * 1024 * 1024 + 1024);
});

test('handshake timeout closes a client that sends half a greeting', async (t) => {
  const srv = await startSks5(t, await config());
  const s = await openSocket(srv.socks5!.host, srv.socks5!.port);
  s.write(Buffer.from([5]));
  const started = Date.now();
  await new Promise<void>((r) => { s.once('close', () => r()); s.resume(); });
  const took = Date.now() - started;
  assert.ok(took >= 1500 && took < 10000, `closed after ${took} ms (timeout 2 s)`);
});

test('idle timeout ends a silent tunnel', async (t) => {
  const target = await httpTarget();
  t.after(() => target.server.close());
  const srv = await startSks5(t, (await config()).replace('socks5_handshake_timeout = 2', 'socks5_handshake_timeout = 5\nidle_timeout = 1'));
  const r = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', target.port);
  assert.equal(r.reply, 0);
  await new Promise<void>((res) => { r.socket.once('close', () => res()); r.socket.resume(); });
  const line = await srv.waitForLog((l) => l.msg === 'tunnel closed');
  assert.equal(line.reason, 'idle');
});

test('UDP ASSOCIATE relays a datagram to an allowed target and back', async (t) => {
  const echo = createSocket('udp4');
  echo.on('message', (m, r) => echo.send(Buffer.concat([Buffer.from('echo:'), m]), r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  t.after(() => echo.close());
  const srv = await startSks5(t, await config('', false));
  const res = await socksConnect(srv.socks5!, 'alice', 'secret', '0.0.0.0', 0, 3);
  assert.equal(res.reply, 0);
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  t.after(() => { client.close(); res.socket.destroy(); });
  const got = new Promise<Buffer>((r) => client.once('message', r));
  client.send(encodeUdpDatagram('127.0.0.1', echo.address().port, Buffer.from('ping')), res.bindPort!, '127.0.0.1');
  const reply = parseUdpDatagram(await got);
  assert.equal(reply.kind, 'ok');
  if (reply.kind === 'ok') {
    assert.equal(reply.value.data.toString(), 'echo:ping');
    assert.equal(reply.value.port, echo.address().port);
  }
  // a denied target never receives anything
  const denied = encodeUdpDatagram('127.0.0.2', echo.address().port, Buffer.from('x'));
  client.send(denied, res.bindPort!, '127.0.0.1');
});

test('SOCKS5 inside TLS', async (t) => {
  const target = await httpTarget();
  t.after(() => target.server.close());
  const dir = mkdtempSync(join(tmpdir(), 'sks5-tls-'));
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost']);
  const cfg = (await config()).replace('[security]', `socks5_tls_cert = "${join(dir, 'cert.pem')}"\nsocks5_tls_key = "${join(dir, 'key.pem')}"\n\n[security]`);
  const srv = await startSks5(t, cfg);
  const s = tlsConnect({ host: '127.0.0.1', port: srv.socks5!.port, rejectUnauthorized: false });
  await new Promise<void>((r) => s.once('secureConnect', () => r()));
  s.write(Buffer.concat([Buffer.from([5, 1, 2]), encodeUserPass('alice', 'secret'), encodeRequest(1, '127.0.0.1', target.port)]));
  let data = '';
  s.setEncoding('latin1');
  s.on('data', (d: string) => { data += d; if (data.length >= 14 && !data.includes('GET')) s.write('GET /tls HTTP/1.0\r\n\r\n'); });
  await new Promise<void>((r) => s.once('end', () => r()));
  assert.match(data, /hello from \/tls/);
});

test('graceful shutdown drains an open tunnel, then exits 0', async (t) => {
  const target = await httpTarget();
  t.after(() => target.server.close());
  const srv = await startSks5(t, (await config()).replace('ssh_listen = "127.0.0.1:0"', 'ssh_listen = "127.0.0.1:0"\nshutdown_timeout = 2'));
  const r = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', target.port);
  assert.equal(r.reply, 0);
  srv.child.kill('SIGTERM');
  await srv.waitForLog((l) => String(l.msg).startsWith('shutting down'));
  // new connections are refused while draining
  await assert.rejects(openSocket(srv.socks5!.host, srv.socks5!.port).then(async (s) => { s.write(Buffer.from([5, 1, 2])); const b = await readBytes(s, 2, 3000); if (b.length === 2) throw new Error('accepted'); throw new Error('closed'); }));
  // the open tunnel still works until the drain deadline
  r.socket.write('GET /drain HTTP/1.0\r\n\r\n');
  const body = await readBytes(r.socket, 10, 5000).catch(() => Buffer.alloc(0));
  assert.ok(body.length > 0);
  const code = await srv.exited;
  assert.equal(code, 0);
});
