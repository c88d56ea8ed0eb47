/** `sks5 health-check` without --addr probes server.ssh_listen of the configuration it is given. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { main } from '../../src/cli/sks5.js';
import type { CliIo } from '../../src/cli/context.js';

async function run(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (s) => { out += s; }, err: (s) => { err += s; }, env, stdin: process.stdin };
  const code = await main(argv, io);
  return { code, out, err };
}

const HASH = '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpg';

test('env-only configuration: the probe follows SKS5_SSH_LISTEN (wildcard -> loopback)', async (t) => {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const env = { SKS5_CONFIG: '/nonexistent/sks5/config.toml', SKS5_SSH_LISTEN: `0.0.0.0:${port}`, SKS5_PASSWORD_HASH: HASH };
  const ok = await run(['health-check', '--timeout', '10'], env);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out, `OK: 127.0.0.1:${port} accepted a TCP connection in ${/in (\d+) ms/.exec(ok.out)?.[1]} ms\n`);
  // --addr still wins over the configuration.
  const closed = await run(['health-check', '--addr', '127.0.0.1:1', '--timeout', '10'], env);
  assert.equal(closed.code, 1);
  assert.match(closed.err, /^FAIL: 127\.0\.0\.1:1: /);
});

test('a broken configuration fails the probe with its message; none at all probes 127.0.0.1:2222', async () => {
  const bad = await run(['health-check', '--timeout', '1'], { SKS5_CONFIG: '/nonexistent/x.toml', SKS5_SSH_LISTEN: 'not-an-address', SKS5_PASSWORD_HASH: HASH });
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^FAIL: .*ssh_listen/s);
  const none = await run(['health-check', '--timeout', '1'], { SKS5_CONFIG: '/nonexistent/x.toml' });
  assert.match(`${none.out}${none.err}`, /127\.0\.0\.1:2222/);
});
