/**
 * The shell plugged into the SSH layer's ShellBackend contract (src/ssh/session-channel.ts) and
 * the durable UserData store, over stream channels. The type assignments below are the contract
 * test: if either side changes shape, this file stops compiling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import type { ShellBackend } from '../../src/ssh/session-channel.js';
import { UserData } from '../../src/store/userdata.js';
import { createShellBackend, type ShellChannel, type ShellChannelRequest } from '../../src/shell/backend.js';
import { shellStoreFromUserData } from '../../src/shell/userdata-store.js';
import type { PtyInfo } from '../../src/shell/session.js';
import { fakeClock, fakePort, makeConfig, makeSettings, makeUser, SERVER } from '../unit/shell/shell-fixtures.js';
import type { AuthedSession } from '../../src/pipeline/types.js';

function channel(): { ch: ShellChannel; input: PassThrough; text(): string; err(): string } {
  const input = new PassThrough();
  let out = '';
  let err = '';
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const ch = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) { out += chunk.toString(); cb(); },
  }) as Duplex & { stderr: PassThrough };
  ch.stderr = stderr;
  input.on('data', (d: Buffer) => ch.push(d));
  return { ch, input, text: () => out, err: () => err };
}

function request(user = makeUser({ colors: false }), terminal?: PtyInfo): ShellChannelRequest & { resize(t: PtyInfo): void } {
  const listeners: ((t: PtyInfo) => void)[] = [];
  const session: AuthedSession = { client: { ip: '192.0.2.9', port: 50000, door: 'ssh', connId: 'c0ffee00', startedAt: Date.parse('2026-11-25T09:00:00Z') }, user, method: 'publickey', keyFingerprint: 'SHA256:abc' };
  return { session, terminal, onResize: (l) => { listeners.push(l); }, resize: (t) => { for (const l of listeners) l(t); } };
}

async function until(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !fn(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(fn(), `timed out waiting for ${what}`);
}

test('createShellBackend fits the SSH layer ShellBackend; exec and shell run with their session info', async () => {
  const backend = createShellBackend({ server: SERVER, port: fakePort(), settings: () => makeSettings({ motd: { enabled: false } }), clock: fakeClock() });
  const asBackend: ShellBackend = backend;
  assert.equal(typeof asBackend.shell, 'function');
  const e = channel();
  assert.equal(await backend.exec(e.ch, 'show fingerprint', request()), 0);
  assert.equal(e.text(), 'SSH key fingerprint: SHA256:abc\n');
  const s = channel();
  const req = request(undefined, { term: 'xterm', cols: 80, rows: 24 });
  const done = backend.shell(s.ch, req);
  await until(() => s.text().includes('alice@sks5-proxy:~$ '), 'prompt');
  req.resize({ term: 'xterm', cols: 20, rows: 10 });
  s.input.write('show status\r');
  await until(() => /Source IP: +192\.0\.2\.9/.test(s.text()), 'status');
  assert.equal(backend.registry.size, 1);
  assert.equal(backend.registry.broadcast('hello all'), 1);
  await until(() => s.text().includes('[Broadcast] hello all'), 'broadcast');
  assert.equal(backend.registry.notifyConnection('c0ffee00', 'just you'), true);
  assert.equal(backend.registry.notifyConnection('other', 'nobody'), false);
  await until(() => s.text().includes('[Broadcast] just you'), 'per-connection notice');
  assert.equal(backend.registry.kick('bob'), 0);
  assert.equal(backend.registry.kick('alice', 'bye'), 1);
  assert.equal(await done, 1);
  assert.equal(backend.registry.size, 0);
});

test('previousLogin from the auth layer is what the MOTD shows', async () => {
  const backend = createShellBackend({
    server: SERVER, port: fakePort(), settings: () => makeSettings({ motd: { template: 'last={last_login}' } }), clock: fakeClock(),
    previousLogin: () => Date.parse('2026-11-01T12:00:00Z'),
  });
  const s = channel();
  const done = backend.shell(s.ch, request());
  await until(() => s.text().includes('last=2026-11-01T12:00:00Z'), 'motd');
  s.input.end();
  s.ch.push(null);
  assert.equal(await done, 0);
});

test('shellStoreFromUserData: history, bookmarks and last login through the real UserData (in memory)', async () => {
  const config = makeConfig({}, { persistence: { userdata: { shell_history_max: 3, bookmarks_max: 1 } } });
  const clock = fakeClock();
  const data = new UserData({ db: undefined, config: () => config, clock, log: { warn: () => {} } });
  const store = shellStoreFromUserData(data);
  for (const l of ['a', 'b', 'c', 'd']) store.appendHistory('alice', l);
  assert.deepEqual(store.getHistory('alice'), ['b', 'c', 'd']);
  assert.equal(store.addBookmark('alice', 'web', 'example.com:443'), true);
  assert.equal(store.addBookmark('alice', 'two', 'example.com:80'), false, 'bookmarks_max = 1');
  assert.deepEqual(store.listBookmarks('alice'), { web: 'example.com:443' });
  assert.equal(store.deleteBookmark('alice', 'web'), true);
  assert.equal(store.lastLogin('alice'), undefined);
  data.recordLogin('alice', '192.0.2.1');
  assert.equal(store.lastLogin('alice'), clock.now());
  // And the shell uses it end to end: `bookmark add` lands in UserData.
  const port = { ...fakePort(), store };
  const backend = createShellBackend({ server: SERVER, port, settings: () => makeSettings(), clock });
  const e = channel();
  assert.equal(await backend.exec(e.ch, 'bookmark add db db.example.com:5432', request()), 0);
  assert.deepEqual(data.listBookmarks('alice'), [{ name: 'db', target: 'db.example.com:5432' }]);
});
