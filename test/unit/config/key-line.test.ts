import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_KEY_LINE_LENGTH, parseKeyLine } from '../../../src/config/key-line.js';
import { ed25519Line } from './fixtures.js';

test('a plain key line parses into type, blob and comment', () => {
  const line = ed25519Line('alice@laptop');
  const r = parseKeyLine(line);
  assert.ok(typeof r === 'object');
  assert.equal(r.type, 'ssh-ed25519');
  assert.equal(r.comment, 'alice@laptop');
  assert.equal(r.options, undefined);
  assert.equal(r.blob.toString('base64'), line.split(' ')[1]);
});

test('an options prefix with quoted spaces is accepted', () => {
  const r = parseKeyLine(`command="echo hi there",no-pty ${ed25519Line('c')}`);
  assert.ok(typeof r === 'object');
  assert.equal(r.options, 'command="echo hi there",no-pty');
  assert.equal(r.comment, 'c');
});

test('broken lines get a precise message', () => {
  const [type, b64] = ed25519Line().split(' ') as [string, string];
  assert.match(String(parseKeyLine('')), /empty key line/);
  assert.match(String(parseKeyLine(type)), /expected "TYPE BASE64/);
  assert.match(String(parseKeyLine(`ssh-dss ${b64}`)), /expected "TYPE BASE64|unsupported/);
  assert.match(String(parseKeyLine(`${type} ${b64.slice(0, -4)}`)), /invalid ssh-ed25519 key|says/);
  assert.match(String(parseKeyLine(`${type} not*base64`)), /not valid base64/);
  assert.match(String(parseKeyLine(`ecdsa-sha2-nistp256 ${b64}`)), /the key data says "ssh-ed25519"/);
});

test('line length limit: exactly at the limit is parsed, one past is refused', () => {
  const line = ed25519Line('x');
  const at = line + 'x'.repeat(MAX_KEY_LINE_LENGTH - line.length);
  assert.equal(at.length, MAX_KEY_LINE_LENGTH);
  assert.equal(typeof parseKeyLine(at), 'object');
  assert.match(String(parseKeyLine(`${at}x`)), /longer than/);
});
