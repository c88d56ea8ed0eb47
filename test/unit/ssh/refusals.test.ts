import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execRefusal, MAX_EXEC_COMMAND, programOf } from '../../../src/ssh/refusals.js';

test('real programs are refused with a message naming them', () => {
  for (const cmd of ['bash', '/bin/sh -c id', 'scp -t /tmp', 'rsync --server -vlogDtpre.iLsfxC . /tmp', 'nc 10.0.0.1 22', 'python3 -c 1', 'sftp-server', 'zsh']) {
    const r = execRefusal(cmd);
    assert.ok(r, cmd);
    assert.match(r, new RegExp(`^sks5: ${programOf(cmd)}: command not found \\(this bastion`));
  }
});

test('shell emulator commands are left alone', () => {
  for (const cmd of ['show status', 'test example.com:443', 'help', 'ls /', 'cat /etc/motd', 'env', 'echo hi']) assert.equal(execRefusal(cmd), undefined, cmd);
});

test('exec length limit: at the limit passes through, one byte more is refused', () => {
  assert.equal(execRefusal(`echo ${'a'.repeat(MAX_EXEC_COMMAND - 5)}`), undefined);
  assert.match(execRefusal(`echo ${'a'.repeat(MAX_EXEC_COMMAND - 4)}`) ?? '', /longer than 4096/);
});

test('programOf strips paths and arguments', () => {
  assert.equal(programOf('  /usr/bin/scp -f x'), 'scp');
  assert.equal(programOf(''), '');
});
