/**
 * Connect failures are not policy denials, and upstream failures get the right reply: the built
 * CLI, raw RFC 1928 clients, /metrics scraped, and a real upstream SOCKS5 server (a second sks5
 * process) that refuses, denies and rejects our credentials, plus an upstream that never answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { aliceDenying127002, startSks5, startHttpTarget, testHash, type Sks5Process, LOOPBACK_NO_GUARDS } from '../helpers/sks5-process.js';
import { socksConnect } from '../helpers/socks-client.js';

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function scrape(srv: Sks5Process): Promise<string> {
  return (await fetch(`http://127.0.0.1:${srv.metrics!.port}/metrics`)).text();
}

function sample(text: string, name: string, code: string): number {
  const m = new RegExp(`^${name}\\{code="${code}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

const METRICS = `
[metrics]
enabled = true
listen = "127.0.0.1:0"`;

test('a refused connection to a closed port moves the connect-failure counter, not sks5_acl_denied_total', async (t) => {
  const port = await closedPort();
  const srv = await startSks5(t, `
${LOOPBACK_NO_GUARDS}
${METRICS}
${await aliceDenying127002()}
`, { expect: ['socks5', 'metrics'] });
  const before = await scrape(srv);
  assert.equal(sample(before, 'sks5_connect_failures_total', 'SKS5_ERR_REFUSED'), 0);

  const refused = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', port);
  assert.equal(refused.reply, 0x05);
  refused.socket.destroy();
  let text = await scrape(srv);
  assert.equal(sample(text, 'sks5_connect_failures_total', 'SKS5_ERR_REFUSED'), 1, text.split('\n').filter((l) => l.startsWith('sks5_connect') || l.startsWith('sks5_acl')).join('\n'));
  assert.ok(!/^sks5_acl_denied_total\{/m.test(text), 'no ACL denial counted for a refused connection');
  assert.match(text, /^sks5_errors_total\{error_type="connection_refused"\} 1$/m);

  // The control: a denied target moves the ACL counter and not the connect-failure one.
  const denied = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.2', port);
  assert.equal(denied.reply, 0x02);
  denied.socket.destroy();
  text = await scrape(srv);
  assert.equal(sample(text, 'sks5_acl_denied_total', 'SKS5_DENY_ACL'), 1);
  assert.equal(sample(text, 'sks5_connect_failures_total', 'SKS5_ERR_REFUSED'), 1);
  const warn = await srv.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('tunnel refused') && l.code === 'SKS5_ERR_REFUSED');
  assert.match(String(warn.msg), /ECONNREFUSED|refused/);
});

test('upstream proxy failures: refused, denied, timed out, unreachable and bad credentials each get their reply', async (t) => {
  const target = await startHttpTarget(t, 'through the upstream');
  const closed = await closedPort();
  // The upstream: a real SOCKS5 server (sks5) that denies 127.0.0.3 by ACL.
  const upstream = await startSks5(t, `
${LOOPBACK_NO_GUARDS}
[[users]]
username = "up"
password_hash = "${await testHash('uppw')}"
[users.acl]
default_policy = "allow"
deny = ["127.0.0.3:*"]
`);
  // An upstream that accepts TCP and never says a word.
  const silent = createServer((s: Socket) => { s.on('error', () => {}); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => silent.close());
  const silentPort = (silent.address() as { port: number }).port;
  const downPort = await closedPort();

  const up = `127.0.0.1:${upstream.socks5!.port}`;
  const user = async (name: string, url: string): Promise<string> => `
[[users]]
username = "${name}"
password_hash = "${await testHash('pw')}"
upstream_proxy = "${url}"
[users.acl]
default_policy = "allow"
`;
  const front = await startSks5(t, `
${LOOPBACK_NO_GUARDS}
[limits]
connection_timeout = 1
${METRICS}
${await user('good', `socks5://up:uppw@${up}`)}
${await user('badcreds', `socks5://up:wrong@${up}`)}
${await user('silent', `socks5://127.0.0.1:${silentPort}`)}
${await user('down', `socks5://127.0.0.1:${downPort}`)}
`, { expect: ['socks5', 'metrics'] });

  const ok = await socksConnect(front.socks5!, 'good', 'pw', '127.0.0.1', target);
  assert.equal(ok.reply, 0x00, 'the upstream path works');
  ok.socket.destroy();

  const cases: Array<[string, string, number, string]> = [
    ['good', '127.0.0.1', 0x05, 'SKS5_ERR_REFUSED'], // the upstream answers 0x05 for the closed port
    ['good', '127.0.0.3', 0x02, 'SKS5_ERR_UPSTREAM_DENIED'], // the upstream's own ACL (its 0x02)
    ['silent', '127.0.0.1', 0x06, 'SKS5_ERR_TIMEOUT'],
    ['down', '127.0.0.1', 0x01, 'SKS5_ERR_UPSTREAM'],
    ['badcreds', '127.0.0.1', 0x01, 'SKS5_ERR_UPSTREAM'],
  ];
  for (const [name, host, reply, code] of cases) {
    const r = await socksConnect(front.socks5!, name, 'pw', host, closed);
    assert.equal(r.reply, reply, `${name} -> ${host}: ${code}`);
    r.socket.destroy();
    await front.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('tunnel refused') && l.code === code && l.user === name);
  }
  const text = await scrape(front);
  assert.equal(sample(text, 'sks5_connect_failures_total', 'SKS5_ERR_UPSTREAM_DENIED'), 1);
  assert.equal(sample(text, 'sks5_connect_failures_total', 'SKS5_ERR_UPSTREAM'), 2);
  assert.equal(sample(text, 'sks5_connect_failures_total', 'SKS5_ERR_TIMEOUT'), 1);
  assert.ok(!/^sks5_acl_denied_total\{/m.test(text), "the upstream's denial is not counted as ours");
});
