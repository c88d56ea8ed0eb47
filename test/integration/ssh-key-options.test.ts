/**
 * authorized_keys options seen through OpenSSH: permitopen limits -L targets, command= refuses
 * sessions but keeps forwarding, no-port-forwarding refuses channels with a reason, from= refuses
 * the key from other addresses.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMON_SSH_OPTS, fastHash, freePort, makeKey, run, startHarness, startProcess, stop, waitForPort, type Harness } from '../fixtures/ssh/harness.js';

let h: Harness;
let tunnelKey: { path: string; pub: string };
let noFwdKey: { path: string; pub: string };
let farKey: { path: string; pub: string };

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-ko-'));
  [tunnelKey, noFwdKey, farKey] = await Promise.all([makeKey(dir, 'tunnel'), makeKey(dir, 'nofwd'), makeKey(dir, 'far')]);
  h = await startHarness({
    users: [{
      username: 'alice', password_hash: await fastHash('secret'),
      authorized_keys: [
        `command="/usr/bin/false",permitopen="localhost:*" ${tunnelKey.pub}`,
        `no-port-forwarding ${noFwdKey.pub}`,
        `from="10.0.0.0/8" ${farKey.pub}`,
      ],
    }],
  });
});
after(async () => { await h?.close(); });

const keyArgs = (k: { path: string }): string[] => [...COMMON_SSH_OPTS, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', k.path, '-p', String(h.sshPort)];

async function forwardOnce(k: { path: string }, targetHost: string): Promise<{ body: string; log: string }> {
  const lport = await freePort();
  const p = startProcess('ssh', [...keyArgs(k), '-N', '-L', `127.0.0.1:${lport}:${targetHost}:${h.httpPort}`, 'alice@127.0.0.1']);
  try {
    assert.ok(await waitForPort(lport, p.child), p.output());
    const r = await run('curl', ['-sS', '--max-time', '20', `http://127.0.0.1:${lport}/k`]);
    const deadline = Date.now() + 5000;
    while (r.code !== 0 && !/open failed/.test(p.output()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    return { body: r.stdout, log: p.output() };
  } finally {
    stop(p.child);
  }
}

test('permitopen: the listed host forwards, any other target is refused with the reason', async () => {
  assert.equal((await forwardOnce(tunnelKey, 'localhost')).body, 'hello from target /k\n');
  const other = await forwardOnce(tunnelKey, '127.0.0.1');
  assert.equal(other.body, '');
  assert.match(other.log, /open failed: administratively prohibited: 127\.0\.0\.1:\d+ is not in this key's permitopen list/);
});

test('command=: sessions are refused (we never run programs) while forwarding works', async () => {
  const r = await run('ssh', [...keyArgs(tunnelKey), 'alice@127.0.0.1', 'help']);
  assert.equal(r.code, 126);
  assert.match(r.stderr, /forced command; sessions are refused/);
});

test('no-port-forwarding: channels are refused with the reason', async () => {
  const r = await forwardOnce(noFwdKey, '127.0.0.1');
  assert.match(r.log, /open failed: administratively prohibited: port forwarding is not allowed for this key/);
});

test('from=: the key is refused from an address outside the list, and audited', async () => {
  const r = await run('ssh', [...keyArgs(farKey), 'alice@127.0.0.1', 'help']);
  assert.equal(r.code, 255);
  assert.ok(h.events.some((e) => e.type === 'auth.failure' && /not allowed from 127\.0\.0\.1 \(from="10\.0\.0\.0\/8"\)/.test(e.data.reason)));
});
