/**
 * The HTTP proxy door end to end: the built CLI, real curl (plain and HTTPS proxy), raw sockets
 * for malformed input. Same users, ACL, anti-SSRF, quotas, maintenance and sessions as the
 * other doors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Secret, TOTP } from 'otpauth';
import { startSks5, testHash } from '../helpers/sks5-process.js';
import { curl, makeCert, startOrigin } from '../helpers/http-proxy.js';

const TOKEN = 'http-door-api-token-0123456789';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

async function config(opts: { guard?: boolean; server?: string; extra?: string } = {}): Promise<string> {
  return `
[server]
ssh_listen = "127.0.0.1:0"
http_proxy_listen = "127.0.0.1:0"
${opts.server ?? ''}

[api]
enabled = true
listen = "127.0.0.1:0"
token = "${TOKEN}"

[security]
ip_guard_enabled = ${opts.guard ?? false}
ban_enabled = false

[limits]
http_header_timeout = 2

[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
[users.acl]
deny = ["127.0.0.2:*", "blocked.localhost:*"]

[[users]]
username = "carol"
password_hash = "${await testHash('pw')}"
totp_enabled = true
totp_secret = "${TOTP_SECRET}"
${opts.extra ?? ''}`;
}

function rawRequest(port: number, data: string | Buffer, waitMs = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, '127.0.0.1');
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => { out += d; });
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.on('connect', () => { if (data.length > 0) s.write(data); });
    setTimeout(() => { s.destroy(); reject(new Error(`no close within ${waitMs} ms; got ${JSON.stringify(out.slice(0, 200))}`)); }, waitMs).unref();
  });
}

test('curl through the HTTP proxy: forward, CONNECT, --proxy-basic, ACL 403, bad password and unknown user 407, keep-alive', async (t) => {
  const origin = await startOrigin(t);
  const srv = await startSks5(t, await config(), { expect: ['http', 'ssh', 'api'] });
  const proxy = `127.0.0.1:${srv.http!.port}`;
  const url = `http://127.0.0.1:${origin.port}`;

  // absolute-form GET, forwarded with Node's client: hop-by-hop fields stay behind, our credential too
  const ok = await curl(['-i', '-x', `http://alice:secret@${proxy}`, '-H', 'Connection: X-Secret', '-H', 'X-Secret: hop', `${url}/a?q=1`]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^HTTP\/1\.1 200/);
  assert.match(ok.stdout, /hello from \/a\?q=1$/);
  assert.match(ok.stdout, /^Via: 1\.1 sks5\r$/mi);
  assert.doesNotMatch(ok.stdout, /X-Hop/i, 'a field named by the origin\'s Connection header is not forwarded');
  assert.equal(origin.seen.url, '/a?q=1', 'origin-form path on the target side');
  assert.equal(origin.seen.headers?.['proxy-authorization'], undefined, 'Proxy-Authorization is never forwarded');
  assert.equal(origin.seen.headers?.['x-secret'], undefined, 'fields named by Connection are hop-by-hop');
  assert.equal(origin.seen.headers?.['via'], '1.1 sks5');

  // a body goes through (chunked from curl's side when it streams a file; here Content-Length)
  const post = await curl(['-x', `http://alice:secret@${proxy}`, '--data-binary', 'x'.repeat(70000), `${url}/post`]);
  assert.equal(post.stdout, 'posted 70000');

  // CONNECT tunnel (curl -p) and --proxy-basic with --proxy-user
  const tunnel = await curl(['-p', '-x', `http://${proxy}`, '--proxy-basic', '--proxy-user', 'alice:secret', `${url}/t`]);
  assert.equal(tunnel.code, 0, tunnel.stderr);
  assert.equal(tunnel.stdout, 'hello from /t');

  // ACL: 403 with the catalogue's code in the body, on both forms
  const denied = await curl(['-i', '-x', `http://alice:secret@${proxy}`, `http://127.0.0.2:${origin.port}/`]);
  assert.match(denied.stdout, /^HTTP\/1\.1 403/);
  assert.match(denied.stdout, /SKS5_DENY_ACL/);
  const deniedTunnel = await curl(['-p', '-x', `http://alice:secret@${proxy}`, '-w', '%{http_connect}', `http://127.0.0.2:${origin.port}/`]);
  assert.notEqual(deniedTunnel.code, 0);
  assert.equal(deniedTunnel.stdout, '403');

  // wrong password, unknown user, no credential: 407 with the Basic challenge
  for (const creds of ['alice:wrong@', 'mallory:secret@', '']) {
    const r = await curl(['-i', '-x', `http://${creds}${proxy}`, `${url}/`]);
    assert.match(r.stdout, /^HTTP\/1\.1 407/, creds);
    assert.match(r.stdout, /^Proxy-Authenticate: Basic realm="sks5"/mi, creds);
  }
  const r407 = await curl(['-p', '-x', `http://alice:wrong@${proxy}`, '-w', '%{http_connect}', `${url}/`]);
  assert.equal(r407.stdout, '407');

  // keep-alive: one allowed and one denied request on the same client connection, each checked on its own
  const ka = await curl(['-v', '-x', `http://alice:secret@${proxy}`, `${url}/first`, `http://127.0.0.2:${origin.port}/second`, `${url}/third`]);
  assert.match(ka.stderr, /Re-using existing connection/);
  assert.equal((ka.stderr.match(/Connected to 127\.0\.0\.1/g) ?? []).length, 1, 'one TCP connection to the proxy');
  assert.match(ka.stdout, /hello from \/first/);
  assert.match(ka.stdout, /not allowed by ruleset \(SKS5_DENY_ACL\)/);
  assert.match(ka.stdout, /hello from \/third/);

  // the operator's reason is in the log, the client's password nowhere
  await srv.waitForLog((l) => String(l.msg).startsWith('tunnel refused') && String(l.msg).includes('127.0.0.2'));
  await srv.waitForLog((l) => l.door === 'http' && l.msg === 'tunnel closed');
  await srv.waitForLog((l) => String(l.msg).startsWith('authentication failed') && l.door === 'http');
  const all = JSON.stringify(srv.logs);
  for (const leak of ['alice:secret', 'alice:wrong', Buffer.from('alice:secret').toString('base64'), Buffer.from('alice:wrong').toString('base64')]) {
    assert.ok(!all.includes(leak), `no credential in logs (${leak})`);
  }
});

test('anti-SSRF refusal is 403, a refused connect 502, TOTP as password:123456', async (t) => {
  const origin = await startOrigin(t);
  const srv = await startSks5(t, await config({ guard: true }), { expect: ['http', 'ssh', 'api'] });
  const proxy = `127.0.0.1:${srv.http!.port}`;
  for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '169.254.169.254']) {
    const r = await curl(['-i', '-x', `http://alice:secret@${proxy}`, `http://${host}:${origin.port}/`]);
    assert.match(r.stdout, /^HTTP\/1\.1 403/, host);
    assert.match(r.stdout, /SKS5_DENY_SSRF/, host);
  }
  await srv.waitForLog((l) => String(l.msg).includes('anti-SSRF guard'));

  const nx = await curl(['-i', '-x', `http://alice:secret@${proxy}`, 'http://does-not-exist.invalid/']);
  assert.match(nx.stdout, /^HTTP\/1\.1 502/);
  assert.match(nx.stdout, /SKS5_ERR_DNS/);

  // TOTP: the code rides in the password; without it, 407
  const totp = new TOTP({ secret: Secret.fromBase32(TOTP_SECRET) });
  const noCode = await curl(['-i', '-x', `http://carol:pw@${proxy}`, 'http://does-not-exist.invalid/']);
  assert.match(noCode.stdout, /^HTTP\/1\.1 407/);
  // one code, one client connection: its kept-alive requests reuse the login, a new connection may not replay it
  const code = totp.generate();
  const withCode = await curl(['-v', '-x', `http://carol:pw:${code}@${proxy}`, `http://127.0.0.1:${origin.port}/`, 'http://does-not-exist.invalid/']);
  assert.match(withCode.stderr, /Re-using existing connection/);
  assert.match(withCode.stdout, /\(SKS5_DENY_SSRF\)/, 'first request authenticated, then refused by the guard');
  assert.match(withCode.stdout, /\(SKS5_ERR_DNS\)/, 'second request on the same login');
  await srv.waitForLog((l) => l.msg === 'authenticated' && l.user === 'carol' && l.method === 'password+totp');
  const replay = await curl(['-i', '-x', `http://carol:pw:${code}@${proxy}`, 'http://does-not-exist.invalid/']);
  assert.match(replay.stdout, /^HTTP\/1\.1 407/, 'a used code does not open a second connection');
});

test('HTTPS proxy: curl -x https:// with --proxy-cacert, CONNECT and forward inside TLS, session visible with door http-tls', async (t) => {
  const cert = await makeCert();
  const origin = await startOrigin(t);
  const srv = await startSks5(t, await config({ server: `http_proxy_tls_cert = "${cert.cert}"\nhttp_proxy_tls_key = "${cert.key}"` }), { expect: ['http', 'ssh', 'api'] });
  const proxy = `https://alice:secret@localhost:${srv.http!.port}`;
  const fwd = await curl(['--proxy-cacert', cert.cert, '-x', proxy, `http://127.0.0.1:${origin.port}/over-tls`]);
  assert.equal(fwd.code, 0, fwd.stderr);
  assert.equal(fwd.stdout, 'hello from /over-tls');
  const tun = await curl(['--proxy-cacert', cert.cert, '-p', '-x', proxy, `http://127.0.0.1:${origin.port}/tunnel-tls`]);
  assert.equal(tun.code, 0, tun.stderr);
  assert.equal(tun.stdout, 'hello from /tunnel-tls');
  const untrusted = await curl(['-x', proxy, `http://127.0.0.1:${origin.port}/`]);
  assert.notEqual(untrusted.code, 0, 'the proxy certificate is checked');

  // GET /proxy.pac on the API listener, no token needed, no credential in it
  const pac = await fetch(`http://127.0.0.1:${srv.api!.port}/proxy.pac`);
  assert.equal(pac.status, 200);
  assert.equal(pac.headers.get('content-type'), 'application/x-ns-proxy-autoconfig');
  const pacText = await pac.text();
  assert.match(pacText, new RegExp(`return "HTTPS 127\\.0\\.0\\.1:${srv.http!.port}";`));
  assert.doesNotMatch(pacText, /alice|secret/);

  // a held CONNECT tunnel shows in /api/sessions with its door
  const sock = connect(srv.http!.port, '127.0.0.1');
  const { connect: tlsConnect } = await import('node:tls');
  const tls = tlsConnect({ socket: sock, servername: 'localhost', ca: (await import('node:fs')).readFileSync(cert.cert) });
  t.after(() => tls.destroy());
  await new Promise<void>((r) => tls.once('secureConnect', () => r()));
  tls.write(`CONNECT 127.0.0.1:${origin.port} HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nProxy-Authorization: Basic ${Buffer.from('alice:secret').toString('base64')}\r\n\r\n`);
  await new Promise<void>((r) => tls.once('data', (d: Buffer) => { assert.match(d.toString(), /^HTTP\/1\.1 200/); r(); }));
  const sessions = await (await fetch(`http://127.0.0.1:${srv.api!.port}/api/sessions`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { data: { protocol: string; username: string; target_port: number }[] };
  assert.ok(sessions.data.some((s) => s.protocol === 'http-tls' && s.username === 'alice' && s.target_port === origin.port), JSON.stringify(sessions));
});

test('quota cut mid-transfer, then 429; maintenance answers 503 with its message', async (t) => {
  const origin = await startOrigin(t);
  const extra = `
[[users]]
username = "bob"
password_hash = "${await testHash('pw')}"
[users.quotas]
daily_bandwidth_bytes = 300000
`;
  const srv = await startSks5(t, await config({ extra }), { expect: ['http', 'ssh', 'api'] });
  const proxy = `127.0.0.1:${srv.http!.port}`;
  const cut = await curl(['-x', `http://bob:pw@${proxy}`, '-o', '/dev/null', '-w', '%{size_download}', `http://127.0.0.1:${origin.port}/big`]);
  assert.notEqual(cut.code, 0, 'the transfer is cut, not ended cleanly');
  assert.ok(Number(cut.stdout) < 300000, `got ${cut.stdout} bytes`);
  await srv.waitForLog((l) => l.msg === 'tunnel closed' && l.user === 'bob' && String(l.reason).startsWith('quota:'));
  const after = await curl(['-i', '-x', `http://bob:pw@${proxy}`, `http://127.0.0.1:${origin.port}/`]);
  assert.match(after.stdout, /^HTTP\/1\.1 429/);
  assert.match(after.stdout, /SKS5_DENY_QUOTA/);
  const afterTunnel = await curl(['-p', '-x', `http://bob:pw@${proxy}`, '-w', '%{http_connect}', `http://127.0.0.1:${origin.port}/`]);
  assert.equal(afterTunnel.stdout, '429');

  const m = await fetch(`http://127.0.0.1:${srv.api!.port}/api/maintenance`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true, message: 'back at noon' }),
  });
  assert.equal(m.status, 200, await m.text());
  const r = await curl(['-i', '-x', `http://alice:secret@${proxy}`, `http://127.0.0.1:${origin.port}/`]);
  assert.match(r.stdout, /^HTTP\/1\.1 503/);
  assert.match(r.stdout, /back at noon \(SKS5_DENY_MAINTENANCE\)/);
  assert.match(r.stdout, /^Connection: close/mi);
});

test('GET /proxy.pac is 404 when the HTTP proxy door is off', async (t) => {
  const srv = await startSks5(t, (await config()).replace('http_proxy_listen = "127.0.0.1:0"', ''), { expect: ['ssh', 'api'] });
  const pac = await fetch(`http://127.0.0.1:${srv.api!.port}/proxy.pac`);
  assert.equal(pac.status, 404);
  assert.match(((await pac.json()) as { error: string }).error, /HTTP proxy door is off/);
});

test('bad input: garbage is 400, headers over 16 KiB are 431, a silent client gets 408; each then closed', async (t) => {
  const srv = await startSks5(t, await config(), { expect: ['http', 'ssh', 'api'] });
  const port = srv.http!.port;
  const garbage = await rawRequest(port, 'NOT HTTP AT ALL\x00\r\n\r\n');
  assert.match(garbage, /^HTTP\/1\.1 400 /);
  assert.match(garbage, /SKS5_ERR_PROTOCOL/);
  // The 16 KiB is Node's count (llhttp counts the request line, names and values, not every
  // separator): for this shape the largest head accepted is 16408 bytes on the wire. Pinned, so
  // a Node release that counts differently shows up here: at the limit parsed (407, no
  // credential), one byte past refused (431).
  const head = (total: number): string => {
    const start = 'GET http://127.0.0.1/ HTTP/1.1\r\nHost: x\r\nX-Pad: ';
    return `${start}${'a'.repeat(total - start.length - 4)}\r\n\r\n`;
  };
  assert.equal(head(16408).length, 16408);
  // (a 407 keeps the connection alive: it closes at Node's keep-alive timeout, 5 s)
  const atLimit = await rawRequest(port, head(16408));
  assert.match(atLimit, /^HTTP\/1\.1 407 /);
  const big = await rawRequest(port, head(16409));
  assert.match(big, /^HTTP\/1\.1 431 /);
  assert.match(big, /SKS5_ERR_HTTP_HEADERS_TOO_LARGE/);
  const silent = await rawRequest(port, 'GET http://127.0.0.1/ HTTP/1.1\r\n');
  assert.match(silent, /^HTTP\/1\.1 408 /);
  const originForm = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(originForm, /^HTTP\/1\.1 400 /);
  assert.match(originForm, /absolute http:\/\/ URL or CONNECT/);
  const badConnect = await rawRequest(port, 'CONNECT nohostport HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(badConnect, /^HTTP\/1\.1 400 /);
  await srv.waitForLog((l) => String(l.msg).startsWith('malformed HTTP proxy request: HPE_HEADER_OVERFLOW'));
});
