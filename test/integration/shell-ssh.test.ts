/**
 * runShellChannel behind a real ssh2 server, driven by a real ssh2 client over loopback: the
 * request/reply mapping (pty, env, window-change, shell, exec, subsystem), exit statuses, and a
 * long run of commands through real SSH channel windows.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import ssh2, { type ClientChannel } from 'ssh2';
import { runShellChannel, SHELL_DISABLED_MESSAGE, type ShellChannelHandle } from '../../src/shell/ssh-adapter.js';
import { fakeClock, fakePort, makeInfo, makeSettings, makeUser, SERVER } from '../unit/shell/shell-fixtures.js';
import type { EffectiveUser } from '../../src/config/users.js';

const { Server, Client, utils } = ssh2;
const HOST_KEY = utils.generateKeyPairSync('ed25519').private;

async function startServer(t: TestContext, user: EffectiveUser, handles: ShellChannelHandle[] = []): Promise<number> {
  const settings = makeSettings({ motd: { enabled: false } });
  const server = new Server({ hostKeys: [HOST_KEY] }, (client) => {
    client.on('authentication', (ctx) => (ctx.method === 'password' && ctx.password === 'pw' ? ctx.accept() : ctx.reject(['password'])));
    client.on('ready', () => {
      client.on('session', (accept) => {
        handles.push(runShellChannel(accept(), { info: makeInfo(user), server: SERVER, port: fakePort(), settings, clock: fakeClock() }));
      });
    });
    client.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Not waiting for close: the clients are ended by their own after-hooks, which run later.
  t.after(() => { server.close(); });
  return (server.address() as AddressInfo).port;
}

async function connect(t: TestContext, port: number): Promise<InstanceType<typeof Client>> {
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.on('ready', resolve).on('error', reject).connect({ host: '127.0.0.1', port, username: 'alice', password: 'pw', readyTimeout: 20_000 });
  });
  t.after(() => client.end());
  return client;
}

function execCollect(client: InstanceType<typeof Client>, command: string, pty = false): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, pty ? { pty: { term: 'xterm', cols: 80, rows: 24 } } : {}, (err, stream) => {
      if (err) { reject(err); return; }
      let out = '';
      let errText = '';
      let code: number | null = null;
      stream.on('data', (d: Buffer) => { out += d.toString(); });
      stream.stderr.on('data', (d: Buffer) => { errText += d.toString(); });
      stream.on('exit', (c: number | null) => { code = c; });
      stream.on('close', () => resolve({ code, out, err: errText }));
    });
  });
}

test('exec: the shell commands answer with real exit statuses and stderr', async (t) => {
  const client = await connect(t, await startServer(t, makeUser({ colors: false })));
  const status = await execCollect(client, 'show status');
  assert.equal(status.code, 0);
  assert.match(status.out, /^User: +alice\n/);
  assert.deepEqual(await execCollect(client, 'whoami'), { code: 0, out: 'alice\n', err: '' });
  assert.deepEqual(await execCollect(client, 'bash -i'), { code: 126, out: '', err: 'bash: not permitted in this restricted shell\n' });
  assert.deepEqual(await execCollect(client, 'nosuch'), { code: 127, out: '', err: 'nosuch: command not found\n' });
  assert.deepEqual(await execCollect(client, 'cat /etc/shadow'), { code: 1, out: '', err: 'cat: /etc/shadow: No such file or directory\n' });
  const withPty = await execCollect(client, 'echo hi', true);
  assert.equal(withPty.out, 'hi\r\n');
});

test('subsystems (sftp) are refused; the connection stays usable', async (t) => {
  const client = await connect(t, await startServer(t, makeUser()));
  await assert.rejects(new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)))));
  await assert.rejects(new Promise((resolve, reject) => client.subsys('scp', (err, s) => (err ? reject(err) : resolve(s)))));
  assert.equal((await execCollect(client, 'whoami')).out, 'alice\n');
});

test('allow_shell = false: shell and exec get a message and exit status 1', async (t) => {
  const client = await connect(t, await startServer(t, makeUser({ allow_shell: false })));
  const r = await execCollect(client, 'whoami');
  assert.deepEqual(r, { code: 1, out: '', err: SHELL_DISABLED_MESSAGE + '\n' });
  const shell = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    client.shell({ term: 'xterm', cols: 80, rows: 24 }, (err, stream) => {
      if (err) { reject(err); return; }
      let out = '';
      let code: number | null = null;
      stream.on('data', (d: Buffer) => { out += d.toString(); });
      stream.on('exit', (c: number | null) => { code = c; });
      stream.on('close', () => resolve({ code, out }));
    });
  });
  assert.equal(shell.code, 1);
  assert.equal(shell.out, SHELL_DISABLED_MESSAGE + '\r\n');
});

function openShell(client: InstanceType<typeof Client>, env?: Record<string, string>): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.shell({ term: 'xterm', cols: 100, rows: 30 }, env ? { env } : {}, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

function reader(stream: ClientChannel): { text(): string; waitFor(s: string | RegExp, ms?: number): Promise<void> } {
  let out = '';
  const waiters = new Set<() => void>();
  stream.on('data', (d: Buffer) => { out += d.toString('utf8'); for (const w of waiters) w(); });
  return {
    text: () => out,
    waitFor: (pattern, ms = 20_000) => new Promise((resolve, reject) => {
      const check = (): void => {
        if (typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out)) { waiters.delete(check); clearTimeout(timer); resolve(); }
      };
      const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out waiting for ${pattern}: ${JSON.stringify(out.slice(-300))}`)); }, ms);
      waiters.add(check);
      check();
    }),
  };
}

const PROMPT = 'alice@sks5-proxy:~$ ';

test('interactive shell with env, window-change, broadcast, and 300 commands through real channel windows', async (t) => {
  const handles: ShellChannelHandle[] = [];
  const client = await connect(t, await startServer(t, makeUser({ colors: false }), handles));
  const stream = await openShell(client, { LANG: 'C.UTF-8', EVIL: '\x1b]0;x\x07' });
  const r = reader(stream);
  await r.waitFor(PROMPT);
  stream.setWindow(40, 20, 0, 0);
  assert.equal(handles.length, 1);
  handles[0]!.notify('hello from the API');
  await r.waitFor('[Broadcast] hello from the API');
  for (let i = 0; i < 300; i++) {
    stream.write(`echo line-${i}\r`);
    await r.waitFor(`line-${i}\r\n${PROMPT}`);
  }
  const code = new Promise<number | null>((resolve) => stream.on('exit', (c: number | null) => resolve(c)));
  stream.write('exit 5\r');
  assert.equal(await code, 5);
});

test('an SSH signal INT interrupts a running exec command: status 130', async (t) => {
  const client = await connect(t, await startServer(t, makeUser({ colors: false })));
  const result = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    client.exec('ping -c 20 example.com', (err, stream) => {
      if (err) { reject(err); return; }
      let out = '';
      let code: number | null = null;
      stream.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('seq=1 ')) stream.signal('INT');
      });
      stream.on('exit', (c: number | null) => { code = c; });
      stream.on('close', () => resolve({ code, out }));
    });
  });
  assert.equal(result.code, 130);
  assert.doesNotMatch(result.out, /seq=5 /);
});

test('kick from the API ends the shell with status 1 and closes the channel', async (t) => {
  const handles: ShellChannelHandle[] = [];
  const client = await connect(t, await startServer(t, makeUser({ colors: false }), handles));
  const stream = await openShell(client);
  const r = reader(stream);
  await r.waitFor(PROMPT);
  const closed = new Promise<number | null>((resolve) => {
    let code: number | null = null;
    stream.on('exit', (c: number | null) => { code = c; });
    stream.on('close', () => resolve(code));
  });
  handles[0]!.kick('Kicked by administrator.');
  assert.equal(await closed, 1);
  assert.match(r.text(), /\[Disconnected\] Kicked by administrator\.\r\n$/);
  await handles[0]!.closed;
});
