import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load.js';
import { spawnSks5 } from './cli-run.js';

/** Reads from the socket until `n` bytes have arrived (bounded by the test timeout). */
function readBytes(sock: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= n) {
        sock.off('data', onData);
        sock.pause();
        resolve(buf);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.once('close', () => reject(new Error(`closed after ${buf.length} bytes`)));
    sock.resume();
  });
}

test('quick-start runs a SOCKS5 proxy with the given password and saves its config', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-qs-'));
  const echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  t.after(() => echo.close());
  const echoPort = (echo.address() as AddressInfo).port;

  const saved = join(dir, 'saved.toml');
  // The echo server is on loopback, which the anti-SSRF guard refuses by default.
  const child = spawnSks5(['quick-start', '--password', 'demo', '--ssh-listen', '127.0.0.1:0', '--socks5-listen', '127.0.0.1:0', '--save-config', saved, '--set', 'security.ip_guard_enabled=false'], { cwd: dir });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no SOCKS5 port announced:\n${output}`)), 60_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /SOCKS5 listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`exited ${code}:\n${output}`)));
  });
  assert.match(output, /username: +user/);
  assert.doesNotMatch(output, /demo/, 'a given password is not echoed');

  const sock = connect(port, '127.0.0.1');
  t.after(() => sock.destroy());
  await new Promise<void>((r) => sock.once('connect', r));
  sock.write(Buffer.from([5, 1, 2]));
  assert.deepEqual([...(await readBytes(sock, 2))], [5, 2]);
  sock.write(Buffer.concat([Buffer.from([1, 4]), Buffer.from('user'), Buffer.from([4]), Buffer.from('demo')]));
  assert.deepEqual([...(await readBytes(sock, 2))], [1, 0]);
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(echoPort);
  sock.write(Buffer.concat([Buffer.from([5, 1, 0, 1, 127, 0, 0, 1]), portBytes]));
  const reply = await readBytes(sock, 10);
  assert.equal(reply[1], 0, `CONNECT reply ${reply[1]}`);
  sock.write('ping through sks5');
  assert.equal((await readBytes(sock, 17)).toString(), 'ping through sks5');
  sock.destroy();

  assert.equal(statSync(saved).mode & 0o777, 0o600);
  assert.equal(parseConfigText(readFileSync(saved, 'utf8'), saved).config.users[0]?.username, 'user');

  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('quick-start without --password prints a generated 20-character password', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-qs-'));
  const child = spawnSks5(['--ssh-listen', '127.0.0.1:0', 'quick-start', '--username', 'carol', '--socks5-listen', '127.0.0.1:0'], { cwd: dir });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  let socksPort = 0;
  const password = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no password printed:\n${output}`)), 60_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /password: +(\S+)\n[\s\S]*SOCKS5 listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        socksPort = Number(m[2]);
        resolve(m[1] ?? '');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
  assert.equal(password.length, 20);
  assert.match(output, /username: +carol/);
  // The global --ssh-listen, given before the subcommand, is honoured.
  assert.match(output, /SSH listen: +127\.0\.0\.1:0/);
  // The printed password is the one the server accepts (RFC 1929 username/password).
  const sock = connect(socksPort, '127.0.0.1');
  t.after(() => sock.destroy());
  sock.write(Buffer.from([5, 1, 2]));
  assert.deepEqual([...(await readBytes(sock, 2))], [5, 2]);
  sock.write(Buffer.concat([Buffer.from([1, 5]), Buffer.from('carol'), Buffer.from([password.length]), Buffer.from(password)]));
  assert.deepEqual([...(await readBytes(sock, 2))], [1, 0]);
  sock.destroy();
});

test('quick-start with a bad listen address fails before starting', async () => {
  const child = spawnSks5(['quick-start', '--password', 'x', '--socks5-listen', 'nowhere'], { cwd: tmpdir() });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 1);
  assert.match(err, /server\.socks5_listen: expected HOST:PORT/);
});

test('quick-start exits non-zero when its listen port is taken', { timeout: 120_000 }, async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const child = spawnSks5(['quick-start', '--password', 'x', '--ssh-listen', '127.0.0.1:0', '--socks5-listen', `127.0.0.1:${port}`], { cwd: mkdtempSync(join(tmpdir(), 'sks5-qs-')) });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 1, out);
  assert.match(out, /EADDRINUSE|in use/i);
});

test('quick-start --api-listen serves the API and dashboard and prints the dashboard URL with its token', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-qs-api-'));
  const child = spawnSks5(['quick-start', '--password', 'demo', '--ssh-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0'], { cwd: dir });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard URL printed:\n${output}`)), 60_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /dashboard: +(http:\/\/127\.0\.0\.1:\d+\/dashboard#token=\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1] as string));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`exited ${code}:\n${output}`)));
  });
  const token = decodeURIComponent(url.hash.replace(/^#token=/, ''));
  assert.ok(token.length >= 16, url.href);
  assert.match(output, new RegExp(`API token: +${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.doesNotMatch(url.port, /^0$/, 'the bound port, not the requested 0');
  const page = await fetch(new URL('/dashboard', url));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /sks5 Dashboard/);
  const status = await fetch(new URL('/api/status', url), { headers: { authorization: `Bearer ${token}` } });
  assert.equal(status.status, 200);
  const denied = await fetch(new URL('/api/status', url), { headers: { authorization: 'Bearer wrong-token-0123456789' } });
  assert.equal(denied.status, 401);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
