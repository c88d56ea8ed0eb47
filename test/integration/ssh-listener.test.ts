/**
 * The SSH listener's set-up: host key generated once (0600, atomic, readable by OpenSSH) and
 * reused, the original's PKCS#8 key accepted; cipher/kex allow-lists enforced on the wire; a
 * PROXY header from an untrusted peer is not honoured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { configSchema } from '../../src/config/schema.js';
import { startServer } from '../../src/server/start.js';
import { loadOrCreateHostKey, HostKeyError } from '../../src/ssh/host-keys.js';
import { AlgorithmConfigError } from '../../src/ssh/algorithms.js';
import { fingerprintOf } from '../../src/auth/ssh-key.js';
import { sshString } from '../../src/auth/ssh-wire.js';
import { COMMON_SSH_OPTS, askpass, fastHash, run, startHarness } from '../fixtures/ssh/harness.js';

test('host key: generated once with mode 0600, readable by ssh-keygen, then reused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-hk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sub', 'host_key');
  const first = loadOrCreateHostKey(path);
  assert.equal(first.generated, true);
  assert.equal(first.type, 'ssh-ed25519');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['host_key'], 'no temp file left behind');
  const pub = await run('ssh-keygen', ['-l', '-f', path]);
  assert.match(pub.stdout, new RegExp(first.fingerprint.replace(/[+/]/g, '\\$&')));
  const again = loadOrCreateHostKey(path);
  assert.equal(again.generated, false);
  assert.equal(again.fingerprint, first.fingerprint);
  assert.equal(again.warning, undefined);
});

test('host key: the original sks5 PKCS#8 PEM file keeps its identity', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-hk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const path = join(dir, 'host_key');
  writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o644 });
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const k = loadOrCreateHostKey(path);
  assert.equal(k.generated, false);
  assert.equal(k.fingerprint, fingerprintOf(Buffer.concat([sshString('ssh-ed25519'), sshString(raw)])));
  assert.match(k.warning ?? '', /readable by other users/);
});

test('host key: a corrupt file is an error naming the path, never overwritten', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-hk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'host_key');
  writeFileSync(path, 'not a key');
  assert.throws(() => loadOrCreateHostKey(path), (e: unknown) => e instanceof HostKeyError && e.message.includes(path));
});

test('allowed_ciphers / allowed_kex are enforced; unknown names stop start-up', async (t) => {
  const h = await startHarness({
    server: { allowed_ciphers: ['aes256-ctr'], allowed_kex: ['curve25519-sha256'] },
    users: [{ username: 'alice', password_hash: await fastHash('secret') }],
  });
  t.after(() => h.close());
  const env = askpass(h.dir, 'secret', () => '').env;
  const args = (...o: string[]) => [...COMMON_SSH_OPTS, ...o, '-o', 'PreferredAuthentications=password', '-p', String(h.sshPort), 'alice@127.0.0.1', 'help'];
  const bad = await run('ssh', args('-c', 'aes128-ctr'), { env });
  assert.equal(bad.code, 255);
  assert.match(bad.stderr, /no matching cipher/);
  const badKex = await run('ssh', args('-o', 'KexAlgorithms=ecdh-sha2-nistp256'), { env });
  assert.match(badKex.stderr, /no matching key exchange/);
  const good = await run('ssh', args('-c', 'aes256-ctr'), { env });
  assert.notEqual(good.code, 255, good.stderr);

  const cfg = configSchema.parse({ server: { ssh_listen: '127.0.0.1:0', host_key_path: join(h.dir, 'hk3'), allowed_ciphers: ['rot13'] }, persistence: { data_dir: join(h.dir, 'data2') }, users: [{ username: 'x', password_hash: '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g' }] });
  await assert.rejects(startServer({ config: cfg, log: pino({ level: 'silent' }) }), (e: unknown) => e instanceof AlgorithmConfigError && /server.allowed_ciphers: unsupported "rot13"/.test(e.message));
});

test('PROXY protocol from an untrusted peer is not honoured: the header breaks its handshake', async (t) => {
  const h = await startHarness({
    server: { proxy_protocol: true, proxy_protocol_trusted_cidrs: ['10.0.0.0/8'] },
    users: [{ username: 'alice', password_hash: await fastHash('secret') }],
  });
  t.after(() => h.close());
  const reply = await new Promise<string>((resolve) => {
    const s = connect(h.sshPort, '127.0.0.1', () => s.write('PROXY TCP4 203.0.113.5 127.0.0.1 1 22\r\nSSH-2.0-x\r\n'));
    let data = '';
    s.on('data', (d) => { data += d.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => resolve(data));
    setTimeout(() => s.destroy(), 15_000);
  });
  assert.ok(!h.events.some((e) => e.type === 'connection.new' && e.data.source_ip === '203.0.113.5'), 'spoofed address never used');
  assert.ok(h.events.some((e) => e.type === 'connection.new' && e.data.source_ip === '127.0.0.1'));
  assert.match(reply, /^SSH-2.0-sks5/, 'treated as a direct client');
  // A direct client from the untrusted peer still works.
  const env = askpass(h.dir, 'secret', () => '').env;
  const ok = await run('ssh', [...COMMON_SSH_OPTS, '-o', 'PreferredAuthentications=password', '-p', String(h.sshPort), 'alice@127.0.0.1', 'help'], { env });
  assert.notEqual(ok.code, 255, ok.stderr);
});
