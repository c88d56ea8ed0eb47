/**
 * The shell as the original's users and scripts drive it, through the built server: a shell
 * channel without a pty (paramiko's invoke_shell without get_pty, `ssh -T`) gets the prompt and
 * lines ending at CR, LF or CRLF; the texts scripts match on; history through exec.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startSks5, testHash, type Sks5Process } from '../helpers/sks5-process.js';

const SSH_OPTS = ['-F', '/dev/null', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
  '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'ConnectTimeout=20'];
const PROMPT = 'alice@bastion:~$ ';

let srv: Sks5Process;

before(async () => {
  const h = await testHash('secret');
  srv = await startSks5(undefined, `
[server]
ssh_listen = "127.0.0.1:0"
[shell]
hostname = "bastion"
[security]
ban_enabled = false
[[users]]
username = "alice"
password_hash = "${h}"
`, { expect: ['ssh'] });
});

after(async () => { await srv?.stop(); });

interface Run { code: number; out: string; err: string }

function runWith(cmd: string, args: readonly string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 60_000 }, (err, out, errText) => {
      const c = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof c === 'number' ? c : -1) : 0, out, err: errText });
    });
    child.stdin!.end(input ?? '');
  });
}

function ssh(command: string | undefined, extra: readonly string[] = [], input?: string): Promise<Run> {
  return runWith('sshpass', ['-p', 'secret', 'ssh', ...SSH_OPTS, ...extra, '-p', String(srv.ssh!.port), 'alice@127.0.0.1', ...(command === undefined ? [] : [command])], input);
}

/**
 * paramiko, as a script drives a raw shell channel: invoke_shell() without get_pty, wait for the
 * prompt, type each line ending with `eol`, wait for the next prompt. Prints what it read as JSON.
 */
function paramikoShell(eol: string, lines: string[]): Promise<Run> {
  const script = String.raw`
import json, sys, time, paramiko
port, eol, lines, prompt = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
eol = {'CR': '\r', 'LF': '\n', 'CRLF': '\r\n'}[eol]
c = paramiko.SSHClient(); c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect('127.0.0.1', port=port, username='alice', password='secret', look_for_keys=False, allow_agent=False, timeout=20)
ch = c.get_transport().open_session()
ch.invoke_shell()  # a shell channel, no pty-req
buf = b''
def until(text, seen):
    global buf
    deadline = time.time() + 15
    while buf.count(text.encode()) < seen:
        if time.time() > deadline:
            print(json.dumps({'timeout': text, 'got': buf.decode('utf8', 'replace')})); sys.exit(3)
        ch.settimeout(max(0.1, deadline - time.time()))
        try:
            d = ch.recv(4096)
        except Exception:
            continue
        if not d: break
        buf += d
until(prompt, 1)
for i, line in enumerate(lines):
    ch.send((line + eol).encode())
    if line != 'exit': until(prompt, i + 2)
deadline = time.time() + 15
while not ch.exit_status_ready() and time.time() < deadline: time.sleep(0.05)
print(json.dumps({'out': buf.decode('utf8', 'replace'), 'status': ch.recv_exit_status()}))
`;
  return runWith('/usr/bin/python3', ['-c', script, String(srv.ssh!.port), eol, JSON.stringify(lines), PROMPT]);
}

for (const eol of ['CR', 'LF', 'CRLF']) {
  test(`paramiko invoke_shell without a pty: prompt, then lines ending in ${eol} run`, async () => {
    const r = await paramikoShell(eol, ['whoami', 'echo hello world', 'exit']);
    assert.equal(r.code, 0, r.out + r.err);
    const res = JSON.parse(r.out) as { out: string; status: number };
    assert.equal(res.status, 0);
    assert.ok(res.out.includes(`${PROMPT}alice\n${PROMPT}hello world\n${PROMPT}`), JSON.stringify(res.out));
    assert.doesNotMatch(res.out, /\x1b/, 'no colours without a pty');
  });
}

test('ssh -T: the prompt, and CR-, LF- and CRLF-terminated lines all run', async () => {
  const r = await ssh(undefined, ['-T'], 'echo one\recho two\r\necho three\nexit\r');
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.includes(`${PROMPT}one\n${PROMPT}two\n${PROMPT}three\n${PROMPT}`), JSON.stringify(r.out));
});

test('history through exec: `ssh host history` and `ssh host "show history"` list what the shell stored', async () => {
  const typed = await ssh(undefined, ['-T'], 'echo remembered-one\nwhoami\nexit\n');
  assert.equal(typed.code, 0, typed.err);
  const h = await ssh('history');
  assert.equal(h.code, 0, h.err);
  assert.match(h.out, /^ +\d+  echo remembered-one\n +\d+  whoami\n/m);
  const show = await ssh('show history');
  assert.equal(show.code, 0, show.err);
  assert.match(show.out, /^Connections today: /m);
  assert.match(show.out, /^Recent commands:\n(?: {2}.*\n)*? {2}echo remembered-one\n {2}whoami\n/m);
});

test('the texts the original\'s e2e tests match on, through OpenSSH exec', async () => {
  const show = await ssh('show');
  assert.match(show.err, /^Usage: show <status\|connections\|bandwidth\|quota\|acl\|history\|fingerprint>$/m);
  const idle = await ssh('show connections');
  assert.equal(idle.out, 'No active proxy connections\n');
  assert.match((await ssh('show status')).out, /^User: +alice$/m);
  assert.match((await ssh('help')).out, /^Available commands:/m);
  assert.match((await ssh('alias')).out, /^No aliases/m);
  assert.match((await ssh('show bandwidth')).out, /unlimited/);
  assert.match((await ssh('foobar123')).err, /^foobar123: command not found$/m);
  for (const cmd of ['rm -rf /', 'bash', 'wget http://evil.com', "python -c 'import os'"]) {
    const r = await ssh(cmd);
    assert.notEqual(r.code, 0, cmd);
    assert.match(r.err, new RegExp(`${cmd.split(' ')[0]}: command not found`), cmd);
  }
  for (const [cmd, re] of [['whoami', /^alice$/m], ['hostname', /^bastion$/m], ['id', /uid=1000\(alice\)/], ['uname', /sks5/], ['pwd', /^\/home\/alice$/m],
    ['ls /', /home/], ['env', /^HOME=\/home\/alice$/m], ['env', /^USER=alice$/m], ['echo hello world', /^hello world$/m]] as const) {
    assert.match((await ssh(cmd)).out, re, cmd);
  }
});
