/**
 * Every fast path switched off in the config (`[fast_paths]` all false): sks5 keeps working on the
 * public APIs. ssh -D carries curl (forwarded channels without the autoDestroy change), a SOCKS5
 * tunnel carries 1 MiB each way intact (Node streams instead of the raw relay), and a refused channel
 * gets ssh2's own CHANNEL_OPEN_FAILURE (reason 2, no description) instead of ours; packets carry ssh2's own
 * per-packet padding (no pooled block).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Client } from 'ssh2';
import { COMMON_SSH_OPTS, fastHash, freePort, run, startHarness, startProcess, stop, waitForPort, type Harness } from '../fixtures/ssh/harness.js';
import { readBytes, socksConnect } from '../helpers/socks-client.js';

let h: Harness;
let echo: Server;
let echoPort: number;

before(async () => {
  const pw = await fastHash('secret');
  h = await startHarness({
    server: { socks5_listen: '127.0.0.1:0' },
    fast_paths: { raw_relay: false, ssh_open_failure_reason: false, ssh_channel_single_destroy: false, ssh_disconnect_text: false, ssh_pooled_padding: false },
    users: [
      { username: 'alice', password_hash: pw },
      { username: 'denied', password_hash: pw, acl: { default_policy: 'deny', allow: ['example.invalid:443'] } },
    ],
  });
  echo = createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as { port: number }).port;
});
after(async () => {
  await h?.close();
  await new Promise<void>((r) => { if (echo) echo.close(() => r()); else r(); });
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('ssh -D with the fast paths off: curl through the dynamic forward reaches the target', async (t) => {
  const dport = await freePort();
  const p = startProcess('sshpass', ['-p', 'secret', 'ssh', ...COMMON_SSH_OPTS, '-o', 'ExitOnForwardFailure=yes', '-o', 'PreferredAuthentications=password',
    '-p', String(h.sshPort), '-N', '-D', `127.0.0.1:${dport}`, 'alice@127.0.0.1']);
  t.after(() => stop(p.child));
  assert.ok(await waitForPort(dport, p.child), `ssh -D did not come up: ${p.output()}`);
  for (const path of ['/one', '/two']) {
    const r = await run('curl', ['-sS', '--max-time', '20', '--socks5-hostname', `127.0.0.1:${dport}`, `http://127.0.0.1:${h.httpPort}${path}`]);
    assert.equal(r.stdout, `hello from target ${path}\n`, r.stderr);
  }
});

test('SOCKS5 with raw_relay = false: 1 MiB each way arrives intact', async () => {
  const socksPort = Number(h.running.addresses.socks5?.split(':').pop());
  const res = await socksConnect({ host: '127.0.0.1', port: socksPort }, 'alice', 'secret', '127.0.0.1', echoPort);
  assert.equal(res.reply, 0);
  const s: Socket = res.socket;
  try {
    const data = randomBytes(1024 * 1024);
    s.write(data);
    const back = await readBytes(s, data.length, 30_000);
    assert.equal(sha(back), sha(data));
  } finally { s.destroy(); }
});

test('ssh_open_failure_reason = false: a denied channel gets ssh2\'s own reason 2 and no description', async () => {
  const client = new Client();
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve()).once('error', reject);
      client.connect({ host: '127.0.0.1', port: h.sshPort, username: 'denied', password: 'secret', readyTimeout: 20_000 });
    });
    const err = await new Promise<Error & { reason?: unknown }>((resolve, reject) => {
      client.forwardOut('127.0.0.1', 1, '127.0.0.1', h.httpPort, (e, ch) => {
        if (e) resolve(e);
        else { ch.close(); reject(new Error('channel opened despite the ACL')); }
      });
    });
    assert.equal(err.reason, 2);
    assert.ok(h.events.some((e) => e.type === 'acl.deny' && e.data.username === 'denied'), 'still audited as a denial');
  } finally { client.end(); }
});
