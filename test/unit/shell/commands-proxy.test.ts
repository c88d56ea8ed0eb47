import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakePort, makeUser, runLine } from './shell-fixtures.js';

test('show status: identity, session, limits, server; flags hide their lines', async () => {
  const user = makeUser({ role: 'admin', group: 'ops', max_connections: 5, max_bandwidth_kbps: 2048, expires_at: '2027-01-01T00:00:00Z' }, { groups: [{ name: 'ops' }] });
  const r = await runLine('show status', { user });
  assert.equal(r.status, 0);
  for (const re of [/^User: +alice$/m, /^Role: +admin$/m, /^Group: +ops$/m, /^Auth method: +password$/m, /^Source IP: +203\.0\.113\.7$/m,
    /^Connected: +2026-11-25T09:58:55Z \(1m 5s ago\)$/m, /^Connections: +1 active, limit 5$/m, /^Bandwidth cap: +2 Mbit\/s$/m,
    /^Expires: +2027-01-01T00:00:00Z$/m, /^Server: +sks5-proxy \(sks5 0\.1\.0\)$/m, /^Uptime: +1d 1h 1m$/m]) assert.match(r.out, re);
  const hidden = makeUser({ shell_permissions: { show_role: false, show_group: false, show_source_ip: false, show_auth_method: false, show_expires: false, show_uptime: false } });
  const h = await runLine('show status', { user: hidden });
  assert.doesNotMatch(h.out, /Role:|Group:|Source IP:|Auth method:|Expires:|Uptime:/);
  assert.match(h.out, /^User: +alice$/m);
});

test('show connections (and conn) lists live relays', async () => {
  for (const cmd of ['show connections', 'show conn']) {
    const r = await runLine(cmd);
    assert.match(r.out, /^Active connections: 1$/m);
    assert.match(r.out, /example\.com:443 +ssh +2m 0s +up 2\.0 KiB, down 1\.5 MiB/);
  }
});

test('show connections when idle: the original\'s "No active proxy connections"', async () => {
  const port = fakePort();
  port.activeConnections = () => [];
  const r = await runLine('show connections', { port });
  assert.deepEqual([r.status, r.out, r.err], [0, 'No active proxy connections\n', '']);
});

test('show bandwidth (and bw) prints windows against quotas and the rate cap in bit/s', async () => {
  const user = makeUser({ max_bandwidth_kbps: 10240, quotas: { daily_bandwidth_bytes: 1024 ** 3 } });
  const r = await runLine('show bw', { user });
  assert.match(r.out, /^Current rate: +2\.0 KiB\/s$/m);
  assert.match(r.out, /^Rate limit: +10 Mbit\/s$/m);
  assert.match(r.out, /^Today: +5\.0 MiB \/ 1\.0 GiB$/m);
  assert.match(r.out, /^This month: +3\.0 GiB \/ unlimited$/m);
});

test('show quota (and quotas) prints usage, limits and percentages', async () => {
  const user = makeUser({ quotas: { daily_bandwidth_bytes: 1024 ** 3, daily_connection_limit: 10 } });
  const r = await runLine('show quotas', { user });
  assert.match(r.out, /^Daily bandwidth: +512\.0 MiB \/ 1\.0 GiB \(50%\)$/m);
  assert.match(r.out, /^Daily connections: +7 \/ 10 \(70%\)$/m);
  assert.match(r.out, /^Monthly connections: +70 \/ unlimited$/m);
});

test('show acl prints the merged rules, deny first', async () => {
  const user = makeUser({ acl: { default_policy: 'deny', allow: ['*.example.com:443'], deny: ['10.0.0.0/8:*'] } }, { acl: { deny: ['169.254.169.254:*'] } });
  const r = await runLine('show acl', { user });
  assert.equal(r.out, 'Default policy: deny\nDeny rules (checked first):\n  169.254.169.254:*\n  10.0.0.0/8:*\nAllow rules:\n  *.example.com:443\n');
});

test('show history (and hist) prints the connection summary and recent commands', async () => {
  const state = { cwd: '/home/alice', bookmarks: new Map(), aliases: new Map(), history: ['ls', 'show acl'] };
  const r = await runLine('show hist', { state });
  assert.match(r.out, /^Connections today: +7 \(1\.0 MiB\)$/m);
  assert.match(r.out, /^Connections this month: +70 \(1\.0 GiB\)$/m);
  assert.match(r.out, /Recent commands:\n {2}ls\n {2}show acl\n$/);
});

test('show fingerprint (and fp)', async () => {
  assert.equal((await runLine('show fp')).out, 'No key fingerprint: authenticated by password\n');
});

test('every show topic is refused with 126 when its permission is off', async () => {
  const flags = { show_status: 'status', show_connections: 'connections', show_bandwidth: 'bandwidth', show_quota: 'quota', show_acl: 'acl', show_history: 'history', show_fingerprint: 'fingerprint' };
  for (const [flag, topic] of Object.entries(flags)) {
    const r = await runLine(`show ${topic}`, { user: makeUser({ shell_permissions: { [flag]: false } }) });
    assert.equal(r.status, 126, topic);
    assert.equal(r.err, `Permission denied: show ${topic}\n`);
    assert.equal(r.out, '');
  }
});

test('show without or with an unknown topic prints the permitted topics', async () => {
  const r = await runLine('show', { user: makeUser({ shell_permissions: { show_acl: false } }) });
  assert.equal(r.status, 2);
  assert.equal(r.err, 'Usage: show <status|connections|bandwidth|quota|history|fingerprint>\n');
  assert.match((await runLine('show nope')).err, /^show: unknown subcommand 'nope'\nUsage: show </);
});

test('test host:port: policy verdict with the rule, then the real connect result and time', async () => {
  const port = fakePort();
  const ok = await runLine('test www.example.com:443', { port });
  assert.equal(ok.status, 0);
  assert.deepEqual(port.connectCalls, [{ host: 'www.example.com', port: 443 }]);
  assert.match(ok.out, /^ {2}policy: +ALLOWED by rule \*\.example\.com:443 \(allowed by ACL\)$/m);
  assert.match(ok.out, /^ {2}connect: OK in 12 ms$/m);
  const refused = await runLine('test www.example.com:9', { port });
  assert.equal(refused.status, 1);
  assert.match(refused.out, /connect: FAILED \(ECONNREFUSED\) after 12 ms/);
  const denied = await runLine('test db.internal:5432', { port });
  assert.equal(denied.status, 1);
  assert.match(denied.out, /policy: +DENIED by rule 10\.0\.0\.0\/8:\* \(denied by ACL\)/);
  assert.doesNotMatch(denied.out, /connect:/);
});

test('test accepts [v6]:port and bookmarks; rejects bad targets before calling the port', async () => {
  const port = fakePort();
  await runLine('test [2001:db8::1]:22', { port });
  assert.deepEqual(port.connectCalls.at(-1), { host: '2001:db8::1', port: 22 });
  const state = { cwd: '/home/alice', bookmarks: new Map([['web', 'example.com:443']]), aliases: new Map(), history: [] };
  await runLine('test web', { port, state });
  assert.deepEqual(port.connectCalls.at(-1), { host: 'example.com', port: 443 });
  const calls = port.connectCalls.length;
  for (const bad of ['test', 'test example.com', 'test example.com:0', 'test example.com:70000', 'test bad_host!:80', `test ${'a'.repeat(400)}:1`]) {
    const r = await runLine(bad, { port });
    assert.equal(r.status, 2, bad);
  }
  assert.equal(port.connectCalls.length, calls);
});

test('test, ping, resolve are refused with 126 when their permission is off', async () => {
  for (const [flag, cmd] of [['test_command', 'test a.com:1'], ['ping_command', 'ping a.com'], ['resolve_command', 'resolve a.com'], ['bookmark_command', 'bookmark list'], ['alias_command', 'alias']] as const) {
    const r = await runLine(cmd, { user: makeUser({ shell_permissions: { [flag]: false } }) });
    assert.equal(r.status, 126, cmd);
    assert.equal(r.err, `${cmd.split(' ')[0]}: not permitted for your account\n`);
  }
});

test('ping: resolve + policy per probe, ping-like lines and a summary, no connect', async () => {
  const port = fakePort();
  const r = await runLine('ping -c 3 example.com', { port });
  assert.equal(r.status, 0);
  assert.equal(port.connectCalls.length, 0);
  assert.deepEqual(port.accessCalls, Array(3).fill({ host: 'example.com', port: 80 }));
  assert.match(r.out, /^PING example\.com:80 \(93\.184\.216\.34\): policy check, no ICMP$/m);
  assert.equal(r.out.match(/^reply from 93\.184\.216\.34: seq=\d ALLOWED/gm)?.length, 3);
  assert.match(r.out, /3 checked, 3 allowed, 0 denied\n$/);
  const denied = await runLine('ping -c 1 10.1.2.3:22', { port });
  assert.equal(denied.status, 1);
  assert.match(denied.out, /DENIED/);
  assert.equal((await runLine('ping -c 99 example.com')).status, 2);
});

test('ping stops at once when interrupted', async () => {
  const controller = new AbortController();
  const port = fakePort();
  const orig = port.policy;
  port.policy = (h, p) => { controller.abort(); return orig(h, p); };
  const r = await runLine('ping -c 5 example.com', { port, signal: controller.signal });
  assert.equal(port.accessCalls.length, 1);
  assert.match(r.out, /0 checked/);
});

test('resolve: addresses, NXDOMAIN, invalid names', async () => {
  const r = await runLine('resolve example.com');
  assert.equal(r.out, 'example.com:\n  93.184.216.34\n  2606:2800:220:1:248:1893:25c8:1946\n');
  const nx = await runLine('resolve nope.invalid');
  assert.equal(nx.status, 1);
  assert.equal(nx.err, 'resolve: nope.invalid: NXDOMAIN\n');
  assert.equal((await runLine('resolve "a b"')).status, 2);
});

test('bookmark add/list/del persist through the store and feed the session cache', async () => {
  const port = fakePort();
  const add = await runLine('bookmark add web example.com:443', { port });
  assert.equal(add.status, 0);
  assert.deepEqual(port.store.listBookmarks('alice'), { web: 'example.com:443' });
  assert.equal(add.state.bookmarks.get('web'), 'example.com:443');
  const list = await runLine('bookmark list', { port, state: add.state });
  assert.equal(list.out, '  web  example.com:443\n');
  const del = await runLine('bookmark del web', { port, state: add.state });
  assert.equal(del.status, 0);
  assert.deepEqual(port.store.listBookmarks('alice'), {});
  assert.equal((await runLine('bookmark del web', { port, state: add.state })).status, 1);
  assert.equal((await runLine('bookmark add "bad name" x:1', { port })).status, 2);
  assert.equal((await runLine('bookmark add ok nocolon', { port })).status, 2);
  assert.equal((await runLine('bookmark frob', { port })).status, 2);
});

test('bookmark cap: settings cap and the store refusing', async () => {
  const port = fakePort();
  port.store.bookmarkCap = 1;
  const first = await runLine('bookmark add a x.com:1', { port });
  const second = await runLine('bookmark add b x.com:2', { port, state: first.state });
  assert.equal(second.status, 1);
  assert.match(second.err, /refused/);
  port.store.fail = true;
  const failing = await runLine('bookmark add c x.com:3', { port });
  assert.equal(failing.status, 1);
  assert.match(failing.err, /could not save: store unavailable/);
});

test('alias add / name=cmd / list / del, and one level of expansion', async () => {
  const port = fakePort();
  const a = await runLine('alias add me whoami', { port });
  assert.equal(a.status, 0);
  assert.equal(port.store.listAliases('alice').me, 'whoami');
  const b = await runLine("alias st='show status'", { port, state: a.state });
  assert.equal(b.status, 0);
  assert.equal((await runLine('me', { port, state: a.state })).out, 'alice\n');
  assert.match((await runLine('st', { port, state: a.state })).out, /^User: +alice$/m);
  // One level only: an alias naming another alias is not expanded again.
  await runLine('alias add again me', { port, state: a.state });
  assert.equal((await runLine('again', { port, state: a.state })).status, 127);
  const list = await runLine('alias', { port, state: a.state });
  assert.match(list.out, /^alias me='whoami'$/m);
  assert.match(list.out, /^alias st='show status'$/m);
  assert.equal((await runLine('alias remove me', { port, state: a.state })).status, 0);
  assert.equal((await runLine('me', { port, state: a.state })).status, 127);
});

test('del removes a bookmark or an alias from the store first: a store error keeps the session entry', async () => {
  const port = fakePort();
  const added = await runLine('bookmark add web example.com:443', { port });
  await runLine('alias add me whoami', { port, state: added.state });
  port.store.fail = true;
  const failed = await runLine('bookmark del web', { port, state: added.state });
  assert.equal(failed.status, 1);
  assert.equal(failed.err, 'bookmark: could not delete: store unavailable\n');
  assert.equal(added.state.bookmarks.get('web'), 'example.com:443', 'still there: the store still has it');
  port.store.fail = false;
  assert.equal((await runLine('bookmark del web', { port, state: added.state })).out, "Bookmark 'web' removed\n");
  assert.equal(added.state.bookmarks.has('web'), false);
  const alias = await runLine('alias del me', { port, state: added.state });
  assert.equal(alias.out, "Alias 'me' removed\n");
  assert.equal(added.state.aliases.has('me'), false);
  assert.deepEqual(port.store.listAliases('alice'), {});
});

test('alias refuses shadowing builtins, bad names; config aliases expand and cannot be removed', async () => {
  assert.match((await runLine('alias add exit whoami')).err, /built-in command/);
  assert.equal((await runLine('alias add 9x whoami')).status, 2);
  const user = makeUser({ aliases: { who: 'whoami', bad: 'echo "open' } });
  assert.equal((await runLine('who', { user })).out, 'alice\n');
  assert.match((await runLine('alias', { user })).out, /alias who='whoami' \(config\)/);
  assert.match((await runLine('alias del who', { user })).err, /set in the server config/);
  assert.match((await runLine('bad', { user })).err, /bad alias: unterminated double quote/);
  // Aliases cannot smuggle blocked programs past the checks.
  const sneaky = makeUser({ aliases: { sh: 'bash -i' } });
  assert.equal((await runLine('sh', { user: sneaky })).status, 126);
});
