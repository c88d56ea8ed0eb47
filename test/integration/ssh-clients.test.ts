/**
 * A second and third client stack against the SSH door: paramiko (python3-paramiko) and ssh2's
 * own Client, for password, public key, keyboard-interactive TOTP and direct-tcpip; plus the
 * PROXY protocol on the SSH listener (trusted and untrusted peers).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import ssh2 from 'ssh2';
import { fastHash, makeKey, run, startHarness, type Harness } from '../fixtures/ssh/harness.js';

const SECRET = 'JBSWY3DPEHPK3PXP';
const PARAMIKO = `
import sys, paramiko
host, port, user, mode, secret, tport = sys.argv[1:7]
c = paramiko.SSHClient()
c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
kw = dict(username=user, look_for_keys=False, allow_agent=False, timeout=20, banner_timeout=20, auth_timeout=20)
if mode == 'password':
    c.connect(host, int(port), password=secret, **kw)
else:
    c.connect(host, int(port), pkey=paramiko.Ed25519Key.from_private_key_file(secret), **kw)
try:
    ch = c.get_transport().open_channel('direct-tcpip', ('127.0.0.1', int(tport)), ('127.0.0.1', 0), timeout=20)
except paramiko.ChannelException as e:
    print('OPEN-FAILED %d %s' % (e.code, e.text))
    sys.exit(0)
ch.sendall(b'GET /paramiko HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n')
data = b''
while True:
    d = ch.recv(65536)
    if not d:
        break
    data += d
print(data.decode().split('\\r\\n\\r\\n', 1)[1], end='')
c.close()
`;

let h: Harness;
let key: { path: string; pub: string };

before(async () => {
  key = await makeKey(mkdtempSync(join(tmpdir(), 'sks5-cl-')), 'pk');
  const pw = await fastHash('secret');
  h = await startHarness({
    server: { proxy_protocol: true, proxy_protocol_trusted_cidrs: ['127.0.0.0/8'] },
    users: [
      { username: 'alice', password_hash: pw, authorized_keys: [key.pub] },
      { username: 'dave', password_hash: pw, totp_enabled: true, totp_secret: SECRET },
      { username: 'denied', password_hash: pw, acl: { default_policy: 'deny' } },
    ],
  });
});
after(async () => { await h?.close(); });

/** Fail with a name instead of hanging when an expected callback never fires. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Every connection to `h` must start with a PROXY header (the harness peer is trusted). */
function proxiedSocket(port: number, header: Buffer | string): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => { s.write(header); resolve(s); });
    s.once('error', reject);
  });
}

// paramiko cannot send a PROXY header: a local relay in this process prepends it, as HAProxy would.
const paramiko = (user: string, mode: 'password' | 'key', secret: string, header: string) =>
  withHeaderRelay(header, (port) => run('/usr/bin/python3', ['-c', PARAMIKO, '127.0.0.1', String(port), user, mode, secret, String(h.httpPort)], { timeoutMs: 60_000 }));

async function withHeaderRelay<T>(header: string, fn: (port: number) => Promise<T>): Promise<T> {
  const { createServer } = await import('node:net');
  const relay = createServer((inbound) => {
    const out = connect(h.sshPort, '127.0.0.1', () => { out.write(header); inbound.pipe(out); out.pipe(inbound); });
    inbound.on('error', () => out.destroy());
    out.on('error', () => inbound.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
  try {
    return await fn((relay.address() as { port: number }).port);
  } finally {
    relay.close();
  }
}

test('paramiko: password login and a direct-tcpip channel to the target', async () => {
  const r = await paramiko('alice', 'password', 'secret', 'PROXY TCP4 198.51.100.20 127.0.0.1 40000 22\r\n');
  assert.equal(r.stdout, 'hello from target /paramiko\n', r.stderr);
});

test('paramiko: ed25519 public key login', async () => {
  const r = await paramiko('alice', 'key', key.path, 'PROXY TCP4 198.51.100.21 127.0.0.1 40001 22\r\n');
  assert.equal(r.stdout, 'hello from target /paramiko\n', r.stderr);
});

test('paramiko: an ACL denial arrives as open failure code 1 with our text', async () => {
  const r = await paramiko('denied', 'password', 'secret', 'PROXY TCP4 198.51.100.22 127.0.0.1 40002 22\r\n');
  assert.match(r.stdout, /^OPEN-FAILED 1 \S/, r.stderr);
});

function ssh2Connect(sock: Socket, cfg: { password: string }): Promise<ssh2.Client> {
  return within(new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('error', () => {});
    c.once('ready', () => resolve(c));
    c.once('error', reject);
    c.once('close', () => reject(new Error('closed before ready')));
    c.connect({ sock, username: 'alice', readyTimeout: 20_000, ...cfg });
  }), 30_000, 'ssh2 login');
}

test('ssh2 Client over PROXY v1: password, forwardOut, and the source address from the header', async (t) => {
  const sock = await proxiedSocket(h.sshPort, 'PROXY TCP4 203.0.113.9 127.0.0.1 40000 22\r\n');
  const c = await ssh2Connect(sock, { password: 'secret' });
  t.after(() => c.end());
  const body = await within(new Promise<string>((resolve, reject) => {
    c.forwardOut('127.0.0.1', 0, '127.0.0.1', h.httpPort, (err, ch) => {
      if (err) return reject(err);
      let data = '';
      ch.on('data', (d: Buffer) => { data += d.toString(); });
      ch.on('close', () => resolve(data));
      ch.end('GET /ssh2 HTTP/1.0\r\n\r\n');
    });
  }), 30_000, 'forwardOut');
  assert.match(body, /hello from target \/ssh2/);
  const ok = h.events.find((e) => e.type === 'auth.success' && e.data.source_ip === '203.0.113.9');
  assert.ok(ok, 'auth.success carries the PROXY source address');
  const conn = h.running.sessions.connections().find((x) => x.sourceIp === '203.0.113.9');
  assert.equal(conn?.username, 'alice');
});

test('ssh2 Client over PROXY v2: keyboard-interactive TOTP prompt "Verification code: "', async (t) => {
  const addr = Buffer.alloc(12);
  Buffer.from([192, 0, 2, 44, 127, 0, 0, 1]).copy(addr);
  addr.writeUInt16BE(50000, 8);
  addr.writeUInt16BE(22, 10);
  const header = Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a', 'hex'), Buffer.from([0x21, 0x11, 0, 12]), addr]);
  const sock = await proxiedSocket(h.sshPort, header);
  const prompts: string[] = [];
  const code = new TOTP({ secret: Secret.fromBase32(SECRET) }).generate();
  const client = new ssh2.Client();
  client.on('error', () => {});
  const ready = within(new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before ready')));
  }), 30_000, 'keyboard-interactive login');
  client.on('keyboard-interactive', (_name, _instructions, _lang, ps, finish) => {
    for (const p of ps) prompts.push(p.prompt);
    finish(ps.map((p) => (p.prompt === 'Verification code: ' ? code : 'secret')));
  });
  client.connect({ sock, username: 'dave', tryKeyboard: true, readyTimeout: 20_000 });
  t.after(() => client.end());
  await ready;
  assert.deepEqual(prompts, ['Password: ', 'Verification code: ']);
  assert.ok(h.events.some((e) => e.type === 'auth.success' && e.data.username === 'dave' && e.data.source_ip === '192.0.2.44'));
});

test('PROXY: a trusted peer that sends no header is closed before our banner', async () => {
  const got = await new Promise<string>((resolve) => {
    const s = connect(h.sshPort, '127.0.0.1', () => s.write('SSH-2.0-OpenSSH_9.2\r\n'));
    let data = '';
    s.on('data', (d) => { data += d.toString(); });
    s.on('error', () => {});
    s.on('close', () => resolve(data));
    setTimeout(() => s.destroy(), 15_000);
  });
  assert.equal(got, '', 'nothing was sent');
});
