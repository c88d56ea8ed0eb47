/**
 * `[upstream_proxy] remote_dns = true`: names go to the upstream SOCKS5 proxy unresolved (ATYP
 * domain), through the built CLI, with curl as the client and a second sks5 process as the upstream
 * (its log shows the target as it received it). Name rules still apply; address rules cannot see
 * the address then, which the default (local resolution) does see.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startHttpTarget, startSks5, testHash, type Sks5Process, LOOPBACK_NO_GUARDS } from '../helpers/sks5-process.js';

function curl(front: Sks5Process, url: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    // socks5h: curl sends the name to the front door unresolved, as a browser set to "proxy DNS" does.
    execFile('curl', ['-sS', '--max-time', '20', '-x', `socks5h://alice:pw@127.0.0.1:${front.socks5!.port}`, url], { timeout: 60_000 }, (err, out) => {
      const c = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof c === 'number' ? c : -1) : 0, out });
    });
  });
}

const targetsSeen = (upstream: Sks5Process): string[] => upstream.logs.filter((l) => l['msg'] === 'tunnel open').map((l) => String(l['target']));

test('remote_dns: the upstream gets the name and resolves it; name rules apply, address rules cannot see it; default stays local', async (t) => {
  const port = await startHttpTarget(t, 'resolved by the upstream');
  const upstream = await startSks5(t, `
${LOOPBACK_NO_GUARDS}
[[users]]
username = "up"
password_hash = "${await testHash('uppw')}"
`, { expect: ['socks5'] });
  const front = async (remote: boolean): Promise<Sks5Process> => startSks5(t, `
${LOOPBACK_NO_GUARDS}
[upstream_proxy]
url = "socks5://up:uppw@127.0.0.1:${upstream.socks5!.port}"
remote_dns = ${remote}
[acl]
default_policy = "allow"
deny = ["127.0.0.0/8:*", "blocked.test:*"]
[[users]]
username = "alice"
password_hash = "${await testHash('pw')}"
`, { expect: ['socks5'] });

  // Default: we resolve "localhost" ourselves, so the address rule 127.0.0.0/8 sees it and refuses.
  const local = await front(false);
  const refused = await curl(local, `http://localhost:${port}/`);
  assert.equal(refused.code, 97, 'curl: the proxy refused');
  await local.waitForLog((l) => String(l['msg'] ?? '').includes('127.0.0.0/8') || JSON.stringify(l).includes('SKS5_DENY_ACL'));
  assert.deepEqual(targetsSeen(upstream), [], 'nothing reached the upstream');

  const remote = await front(true);
  // remote_dns: the name travels as ATYP domain; the upstream resolves it and connects.
  const ok = await curl(remote, `http://localhost:${port}/`);
  assert.equal(ok.code, 0);
  assert.equal(ok.out, 'resolved by the upstream');
  assert.deepEqual(targetsSeen(upstream), [`localhost:${port}`], 'the upstream received the name, not an address');
  const open = await remote.waitForLog((l) => l['msg'] === 'tunnel open');
  assert.equal(open['ip'], '', 'no local address: we never resolved it');

  // Name rules still apply before anything leaves; an IP literal is still checked as an address.
  assert.equal((await curl(remote, 'http://blocked.test/')).code, 97);
  assert.equal((await curl(remote, `http://127.0.0.1:${port}/`)).code, 97);
  assert.deepEqual(targetsSeen(upstream), [`localhost:${port}`]);

  // A name only the upstream could resolve, and it cannot: its answer (host unreachable) is passed on.
  const nx = await curl(remote, 'http://no-such-host.invalid/');
  assert.equal(nx.code, 97);
  await upstream.waitForLog((l) => JSON.stringify(l).includes('no-such-host.invalid'));
});
