/**
 * sendDisconnect through a real ssh2 server to a real ssh2 client: the description arrives, cleaned.
 * Also the canary on ssh2's internals (open-failure.test.ts does the same for CHANNEL_OPEN_FAILURE):
 * a release that changes them fails here instead of silently sending no text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { canSendDisconnect, disconnectText, sendDisconnect, DISCONNECT, MAX_DISCONNECT_TEXT } from '../../src/ssh/disconnect.js';

// ssh2 clients stay silent on BY_APPLICATION (11), so this uses 14; OpenSSH prints either (ssh-fingerprint e2e).
test('the client receives DISCONNECT with our reason and text, control characters replaced', async (t) => {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  let sent: boolean | undefined;
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (conn) => {
    conn.on('error', () => {});
    conn.once('handshake', () => {
      assert.equal(canSendDisconnect(conn), true, 'ssh2 internals have the shape disconnect.ts writes through');
      sent = sendDisconnect(conn, DISCONNECT.NO_MORE_AUTH_METHODS_AVAILABLE, 'maintenance:\x1b[2J back soon\r\nfake line');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const err = await new Promise<Error & { code?: unknown }>((resolve, reject) => {
    const client = new ssh2.Client();
    const timer = setTimeout(() => { client.end(); reject(new Error('no DISCONNECT within 20 s')); }, 20_000);
    client.on('error', (e) => { clearTimeout(timer); resolve(e); });
    client.on('ready', () => { clearTimeout(timer); reject(new Error('unexpectedly ready')); });
    client.connect({ host: '127.0.0.1', port, username: 'x', password: 'y', readyTimeout: 20_000 });
  });
  assert.equal(sent, true);
  assert.equal(err.message, 'maintenance: [2J back soon  fake line');
  assert.equal(err.code, DISCONNECT.NO_MORE_AUTH_METHODS_AVAILABLE);
});

// fast_paths.ssh_disconnect_text = false: ssh2's public end() only, so the client is disconnected
// (reason 11, empty description) instead of our reason and text.
test('withText = false: ssh2 end() as published, the client is closed with no description', async (t) => {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519').private;
  let sent: boolean | undefined;
  const plaintext: Buffer[] = [];
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (conn) => {
    conn.on('error', () => {});
    conn.once('handshake', () => {
      // Every packet ssh2 encrypts from here on, to show what end() sent.
      const cipher = (conn as unknown as { _protocol: { _cipher: { encrypt(p: Buffer): void } } })._protocol._cipher;
      const encrypt = cipher.encrypt.bind(cipher);
      cipher.encrypt = (packet: Buffer) => { plaintext.push(Buffer.from(packet)); encrypt(packet); };
      sent = sendDisconnect(conn, DISCONNECT.NO_MORE_AUTH_METHODS_AVAILABLE, 'maintenance: back soon', false);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const errors: Error[] = [];
  await new Promise<void>((resolve, reject) => {
    const client = new ssh2.Client();
    const timer = setTimeout(() => { client.end(); reject(new Error('not closed within 20 s')); }, 20_000);
    client.on('error', (e) => errors.push(e));
    client.on('ready', () => { clearTimeout(timer); reject(new Error('unexpectedly ready')); });
    client.on('close', () => { clearTimeout(timer); resolve(); });
    client.connect({ host: '127.0.0.1', port, username: 'x', password: 'y', readyTimeout: 20_000 });
  });
  assert.equal(sent, false);
  assert.ok(plaintext.length > 0, 'end() sent a DISCONNECT');
  assert.ok(!plaintext.some((p) => p.includes('maintenance')), 'our text must not be sent with the switch off');
  assert.ok(!errors.some((e) => e.message.includes('maintenance')), `no description expected, got ${errors.map((e) => e.message).join('; ')}`);
});

test('disconnectText: control characters become spaces; the length is capped on a UTF-8 boundary', () => {
  assert.equal(disconnectText('a\x00b\x7fc\nd'), 'a b c d');
  const long = disconnectText('é'.repeat(MAX_DISCONNECT_TEXT));
  assert.ok(Buffer.byteLength(long) <= MAX_DISCONNECT_TEXT);
  assert.ok(!long.includes('\uFFFD'));
});
