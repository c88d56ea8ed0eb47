/**
 * ShellSession over PassThrough streams, as the SSH adapter drives it: with a pty (editor, CRLF,
 * colours) and without (lines, LF, stderr), exec, broadcasts, kicks, idle, and a long run of
 * commands that must never stall. The ShellPort is a fake (the real one is the lead's wiring).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ShellSession, type ShellSessionOptions } from '../../src/shell/session.js';
import { fakeClock, fakePort, makeInfo, makeSettings, makeUser, ManualTimers, SERVER, type FakePort } from '../unit/shell/shell-fixtures.js';

interface Harness {
  session: ShellSession;
  input: PassThrough;
  port: FakePort;
  timers: ManualTimers;
  text(): string;
  errText(): string;
  waitFor(pattern: RegExp | string, ms?: number): Promise<void>;
  done: Promise<number> | undefined;
}

function harness(options: Partial<Omit<ShellSessionOptions, 'pty'>> & { pty?: ShellSessionOptions['pty'] | null; interactive?: boolean } = {}): Harness {
  const output = new PassThrough();
  const stderr = new PassThrough();
  const input = new PassThrough();
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  output.on('data', (d: Buffer) => { out += d.toString('utf8'); for (const w of waiters) w(); });
  stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); for (const w of waiters) w(); });
  const port = (options.port as FakePort | undefined) ?? fakePort();
  const timers = new ManualTimers();
  const user = options.info?.user ?? makeUser();
  const session = new ShellSession({
    info: options.info ?? makeInfo(user),
    server: SERVER,
    port,
    settings: options.settings ?? makeSettings(),
    clock: fakeClock(),
    output,
    stderr,
    pty: options.pty === null ? undefined : options.pty ?? { term: 'xterm-256color', cols: 80, rows: 24 },
    timers,
  });
  const h: Harness = {
    session, input, port, timers,
    text: () => out,
    errText: () => err,
    waitFor: (pattern, ms = 10_000) => new Promise((resolve, reject) => {
      const check = (): void => {
        const all = out + err;
        if (typeof pattern === 'string' ? all.includes(pattern) : pattern.test(all)) { waiters.delete(check); clearTimeout(timer); resolve(); }
      };
      const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(out.slice(-500))} / ${JSON.stringify(err.slice(-200))}`)); }, ms);
      waiters.add(check);
      check();
    }),
    done: undefined,
  };
  if (options.interactive !== false) h.done = session.run(input);
  return h;
}

const PROMPT = 'alice@sks5-proxy:~$ ';

test('pty: MOTD, coloured prompt, a command with CRLF output, exit with a status', async () => {
  const h = harness();
  await h.waitFor('alice@sks5-proxy');
  assert.match(h.text(), /welcome, .*alice/);
  assert.match(h.text(), /\x1b\[1m\x1b\[32malice@sks5-proxy\x1b\[0m:\x1b\[1m\x1b\[34m~\x1b\[0m\$ $/);
  h.input.write('whoami\r');
  await h.waitFor('alice\r\n');
  h.input.write('exit 4\r');
  assert.equal(await h.done, 4);
  assert.doesNotMatch(h.text().replace(/\r\n/g, ''), /\n/, 'every newline on a pty is CRLF');
});

test('pty without colours: plain prompt; [shell] prompt and hostname honoured', async () => {
  const settings = makeSettings({ shell: { hostname: 'gw', prompt: '> ' }, motd: { enabled: false } });
  const h = harness({ info: makeInfo(makeUser({ colors: false })), settings });
  await h.waitFor('alice@gw:~> ');
  assert.equal(h.text(), 'alice@gw:~> ');
  h.input.write('cd /etc\r');
  await h.waitFor('alice@gw:/etc> ');
  h.input.write('\x04');
  assert.equal(await h.done, 0);
  assert.match(h.text(), /logout\r\n$/);
});

test('pty: the prompt template form with {user} {hostname} {cwd}', async () => {
  const settings = makeSettings({ shell: { prompt: '[{user} on {hostname} {cwd}]# ' }, motd: { enabled: false } });
  const h = harness({ info: makeInfo(makeUser({ colors: false })), settings });
  await h.waitFor('[alice on sks5-proxy ~]# ');
  h.session.close();
});

test('pty: tab completion, history recall from the store, Ctrl-C, Ctrl-D', async () => {
  const port = fakePort();
  port.store.history.set('alice', ['echo from-last-login']);
  const h = harness({ port, settings: makeSettings({ motd: { enabled: false } }), info: makeInfo(makeUser({ colors: false })) });
  await h.waitFor(PROMPT);
  h.input.write('who\t');
  await h.waitFor('whoami ');
  h.input.write('\r');
  await h.waitFor(`alice\r\n${PROMPT}`);
  h.input.write('\x1b[A\x1b[A\r');
  await h.waitFor(`from-last-login\r\n${PROMPT}`);
  h.input.write('echo abandoned\x03');
  await h.waitFor('^C\r\n');
  h.input.write('\x04');
  assert.equal(await h.done, 0);
  assert.deepEqual(port.store.history.get('alice'), ['echo from-last-login', 'whoami', 'echo from-last-login']);
});

test('pty: Ctrl-C interrupts a running command and drops type-ahead', async () => {
  const port = fakePort();
  let release!: () => void;
  port.connect = (_h, _p, signal) => new Promise((resolve) => {
    release = () => resolve({ allowed: true, reason: 'x', connected: false, error: 'aborted' });
    signal.addEventListener('abort', () => release());
  });
  const h = harness({ port, settings: makeSettings({ motd: { enabled: false } }), info: makeInfo(makeUser({ colors: false })) });
  await h.waitFor(PROMPT);
  h.input.write('test example.com:443\r');
  await h.waitFor('Testing example.com:443');
  h.input.write('typed ahead');
  h.input.write('\x03');
  await h.waitFor(/\^C\r\nalice@sks5-proxy:~\$ $/);
  assert.doesNotMatch(h.text(), /typed ahead/);
  h.input.write('exit\r');
  assert.equal(await h.done, 0);
});

test('pty: notify prints above the line being typed and redraws it; kick ends the session', async () => {
  const h = harness({ settings: makeSettings({ motd: { enabled: false } }), info: makeInfo(makeUser({ colors: false })) });
  await h.waitFor(PROMPT);
  h.input.write('sho');
  await h.waitFor(PROMPT + 'sho');
  h.session.notify('maintenance at 22:00\x1b[2J');
  await h.waitFor(`[Broadcast] maintenance at 22:00\ufffd[2J\r\n\r\x1b[J${PROMPT}sho`);
  h.session.kick('Kicked by administrator.');
  assert.equal(await h.done, 1);
  assert.match(h.text(), /\[Disconnected\] Kicked by administrator\.\r\n$/);
  h.session.notify('after the end');
  assert.doesNotMatch(h.text(), /after the end/);
});

test('idle: warning idle_warning_secs before limits.idle_timeout, then disconnect; input re-arms', async () => {
  const settings = makeSettings({ limits: { idle_timeout: 300 }, motd: { enabled: false } });
  const h = harness({ settings, info: makeInfo(makeUser({ colors: false, idle_warning_secs: 60 })) });
  await h.waitFor(PROMPT);
  assert.deepEqual([...h.timers.pending.values()].map((t) => t.ms).sort((a, b) => a - b), [240_000, 300_000]);
  h.timers.fireShortest();
  await h.waitFor('[Idle] No input for a while: you will be disconnected in 60s unless you press a key.');
  h.input.write('x');
  await h.waitFor(/x$/);
  assert.equal(h.timers.pending.size, 2, 'a key press re-arms both timers');
  h.timers.fireAll();
  assert.equal(await h.done, 1);
  assert.match(h.text(), /\[Idle\] Idle for 300s: disconnecting\.\r\n$/);
});

test('no pty: a prompt, lines ending at LF, CRLF or CR, LF out, errors on stderr, no colours, end of input ends the session', async () => {
  const h = harness({ pty: null });
  await h.waitFor('welcome');
  await h.waitFor('alice@sks5-proxy:~$ ');
  assert.doesNotMatch(h.text(), /\x1b/);
  h.input.write('whoami\nbash\r\nnope\r');
  h.input.end('pwd');
  const code = await h.done;
  assert.equal(code, 0);
  const P = 'alice@sks5-proxy:~\\$ ';
  assert.match(h.text(), new RegExp(`${P}alice\\n${P}${P}${P}/home/alice\\n${P}$`), 'a prompt before each command, as the original shell draws it');
  assert.doesNotMatch(h.text(), /\r/);
  assert.equal(h.errText(), 'bash: not permitted in this restricted shell\nnope: command not found\n');
});

test('no pty: a 2000-line script piped in runs every line, in order, with bounded queueing', async () => {
  const h = harness({ pty: null, settings: makeSettings({ motd: { enabled: false } }) });
  h.input.end(Array.from({ length: 2000 }, (_, i) => `echo s${i}`).join('\n') + '\n');
  assert.equal(await h.done, 0);
  const seen = [...h.text().matchAll(/^(?:[^\n]*\$ )?s(\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(seen, Array.from({ length: 2000 }, (_, i) => i));
});

test('no pty: an overlong line is reported and skipped, the next line runs', async () => {
  const h = harness({ pty: null, settings: makeSettings({ motd: { enabled: false } }) });
  h.input.write('echo ' + 'x'.repeat(5000) + '\nwhoami\n');
  h.input.end();
  await h.done;
  assert.equal(h.text(), 'alice@sks5-proxy:~$ alice\nalice@sks5-proxy:~$ ');
  assert.equal(h.errText(), 'sks5: line too long (max 4096 bytes), ignored\n');
});

test('exec: one command, exit status, LF without a pty, errors to stderr', async () => {
  const run = async (line: string, pty = false): Promise<[number, string, string]> => {
    const h = harness({ pty: pty ? undefined : null, interactive: false });
    const code = await h.session.exec(line);
    return [code, h.text(), h.errText()];
  };
  const [ok, okOut] = await run('show status');
  assert.equal(ok, 0);
  assert.match(okOut, /^User: +alice\n/);
  assert.deepEqual(await run('whoami'), [0, 'alice\n', '']);
  assert.deepEqual(await run('bash'), [126, '', 'bash: not permitted in this restricted shell\n']);
  assert.deepEqual(await run('nosuch'), [127, '', 'nosuch: command not found\n']);
  assert.deepEqual(await run('cat /nope'), [1, '', 'cat: /nope: No such file or directory\n']);
  assert.deepEqual(await run('exit 7'), [7, '', '']);
  const [, ptyOut] = await run('echo a', true);
  assert.equal(ptyOut, 'a\r\n');
  const u = makeUser({ shell_permissions: { show_status: false } });
  const h = harness({ pty: null, interactive: false, info: makeInfo(u) });
  assert.equal(await h.session.exec('show status'), 126);
});

test('exec uses stored bookmarks and aliases', async () => {
  const port = fakePort();
  port.store.addBookmark('alice', 'web', 'example.com:443');
  port.store.setAlias('alice', 'me', 'whoami');
  const h = harness({ pty: null, interactive: false, port });
  assert.equal(await h.session.exec('test web'), 0);
  assert.deepEqual(port.connectCalls, [{ host: 'example.com', port: 443 }]);
  const h2 = harness({ pty: null, interactive: false, port });
  assert.equal(await h2.session.exec('me'), 0);
  assert.equal(h2.text(), 'alice\n');
});

test('a failing store does not keep the user out', async () => {
  const port = fakePort();
  port.store.fail = true;
  const h = harness({ port, info: makeInfo(makeUser({ colors: false })) });
  await h.waitFor(PROMPT);
  assert.match(h.text(), /Last login: first login/);
  h.input.write('whoami\r');
  await h.waitFor('alice\r\n');
  h.session.close();
  assert.equal(await h.done, 0);
});

test('300 commands in a row over a pty, typed one by one, never stall', async () => {
  const h = harness({ settings: makeSettings({ motd: { enabled: false } }), info: makeInfo(makeUser({ colors: false })) });
  await h.waitFor(PROMPT);
  for (let i = 0; i < 300; i++) {
    h.input.write(`echo n${i}\r`);
    await h.waitFor(`n${i}\r\n${PROMPT}`);
  }
  h.input.write('exit\r');
  assert.equal(await h.done, 0);
  assert.equal(h.text().match(/\r\nn\d+\r\n/g)?.length, 300);
});

test('300 commands pasted at once run in order, output after each prompt', async () => {
  const h = harness({ settings: makeSettings({ motd: { enabled: false } }), info: makeInfo(makeUser({ colors: false })) });
  await h.waitFor(PROMPT);
  h.input.write(Array.from({ length: 300 }, (_, i) => `echo p${i}\r`).join('') + 'exit\r');
  assert.equal(await h.done, 0);
  const seen = [...h.text().matchAll(/\r\np(\d+)\r\n/g)].map((m) => Number(m[1]));
  assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i));
});

test('a client that stops reading does not make the session buffer without bound', async () => {
  const output = new PassThrough({ highWaterMark: 1024 });
  const input = new PassThrough();
  const session = new ShellSession({
    info: makeInfo(makeUser({ colors: false })), server: SERVER, port: fakePort(), settings: makeSettings({ motd: { enabled: false } }),
    clock: fakeClock(), output, pty: { term: 'xterm', cols: 80, rows: 24 }, timers: new ManualTimers(),
  });
  const done = session.run(input);
  for (let i = 0; i < 50; i++) input.write('help\r');
  await new Promise((r) => setTimeout(r, 200));
  // Nobody reads `output`: the session waits for drain after the first full write.
  assert.ok(output.readableLength < 64 * 1024, `buffered ${output.readableLength}`);
  output.resume();
  input.write('exit\r');
  session.close();
  assert.equal(typeof (await done), 'number');
});
