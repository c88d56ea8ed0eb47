import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchAuthorizedKey, parseAuthorizedKey, parseAuthorizedKeys, parseExpiryTime, AuthorizedKeyError } from '../../../src/auth/pubkey.js';
import { permitOpenAllows } from '../../../src/auth/key-options.js';
import { fixtureBlob, fixtureText } from '../../fixtures/ssh/files.js';

const ED = fixtureText('user_ed25519.pub');
const EC = fixtureText('user_ecdsa.pub');
const RSA = fixtureText('user_rsa.pub');
const NOW = Date.parse('2026-11-25T10:00:00Z');

test('plain ed25519, ecdsa and rsa lines parse with the ssh-keygen fingerprint and comment', () => {
  const ed = parseAuthorizedKey(ED);
  assert.equal(ed.fingerprint, 'SHA256:2p4bNbQd6PSnkg7gtKcR79nSsPOogoOedG8OIhWkiqg');
  assert.equal(ed.comment, 'alice-ed25519');
  assert.equal(parseAuthorizedKey(EC).fingerprint, 'SHA256:ILLKgoVY2D8xLbgSZhgT7d68OZAVDY7qyTFjtZEsuBk');
  assert.equal(parseAuthorizedKey(RSA).fingerprint, 'SHA256:XDDK2+//hhVj3MS2Pn8hQI0o1HdQz/mztNSlhBW16OQ');
  assert.equal(ed.restrictions.portForwarding, true);
});

test('the offered blob matches its entry; another key is "not authorized" (a probe, not known)', () => {
  const keys = [parseAuthorizedKey(ED), parseAuthorizedKey(RSA)];
  const m = matchAuthorizedKey(keys, fixtureBlob('user_ed25519.pub'), '1.2.3.4', NOW);
  assert.ok(m.ok);
  const miss = matchAuthorizedKey(keys, fixtureBlob('user_ecdsa.pub'), '1.2.3.4', NOW);
  assert.ok(!miss.ok && !miss.known && /not authorized/.test(miss.reason));
});

test('from= patterns: CIDR, wildcard, negation (deny wins), no match refuses', () => {
  const k = parseAuthorizedKey(`from="10.0.0.0/8,192.168.1.*,!10.6.6.6" ${ED}`);
  const blob = fixtureBlob('user_ed25519.pub');
  assert.ok(matchAuthorizedKey([k], blob, '10.1.2.3', NOW).ok);
  assert.ok(matchAuthorizedKey([k], blob, '192.168.1.77', NOW).ok);
  assert.ok(matchAuthorizedKey([k], blob, '::ffff:10.1.2.3', NOW).ok);
  const neg = matchAuthorizedKey([k], blob, '10.6.6.6', NOW);
  assert.ok(!neg.ok && neg.known && /from=/.test(neg.reason));
  assert.ok(!matchAuthorizedKey([k], blob, '172.16.0.1', NOW).ok);
});

test('expiry-time= refuses the key from that instant (UTC)', () => {
  const k = parseAuthorizedKey(`expiry-time="20261125" ${ED}`);
  const blob = fixtureBlob('user_ed25519.pub');
  assert.ok(matchAuthorizedKey([k], blob, '1.2.3.4', Date.parse('2026-11-24T23:59:59Z')).ok);
  const r = matchAuthorizedKey([k], blob, '1.2.3.4', Date.parse('2026-11-25T00:00:00Z'));
  assert.ok(!r.ok && /expired/.test(r.reason));
  assert.equal(parseExpiryTime('202611251030'), Date.parse('2026-11-25T10:30:00Z'));
  assert.equal(parseExpiryTime('20261125103005Z'), Date.parse('2026-11-25T10:30:05Z'));
  assert.throws(() => parseExpiryTime('20261332'), /not a valid date/);
  assert.throws(() => parseExpiryTime('tomorrow'), /expected YYYYMMDD/);
});

test('restrict / no-port-forwarding / no-pty / permitopen / command= become restrictions', () => {
  const r = parseAuthorizedKey(`restrict,port-forwarding,permitopen="intranet:80",permitopen="[::1]:*",command="/bin/false" ${ED}`);
  assert.equal(r.restrictions.portForwarding, true);
  assert.equal(r.restrictions.pty, false);
  assert.equal(r.restrictions.forcedCommand, '/bin/false');
  assert.ok(permitOpenAllows(r.restrictions.permitOpen, 'INTRANET', 80));
  assert.ok(!permitOpenAllows(r.restrictions.permitOpen, 'intranet', 81));
  assert.ok(permitOpenAllows(r.restrictions.permitOpen, '::1', 2222));
  assert.ok(!permitOpenAllows(r.restrictions.permitOpen, 'example.com', 80));
  assert.ok(permitOpenAllows(undefined, 'anything', 1));
  assert.equal(parseAuthorizedKey(`no-port-forwarding ${ED}`).restrictions.portForwarding, false);
  assert.equal(parseAuthorizedKey(`command="echo \\"hi\\"",no-pty ${ED}`).restrictions.forcedCommand, 'echo "hi"');
});

test('harmless options are accepted; unsupported ones refuse the line with their name', () => {
  assert.ok(parseAuthorizedKey(`no-agent-forwarding,no-X11-forwarding,no-user-rc,environment="A=b",permitlisten="localhost:8080" ${ED}`));
  assert.throws(() => parseAuthorizedKey(`verify-required ${ED}`), /option "verify-required" is not supported/);
  assert.throws(() => parseAuthorizedKey(`no-port-forwardin ${ED}`), /not supported/);
  assert.throws(() => parseAuthorizedKey(`from=10.0.0.1 ${ED}`), /double-quoted/);
  assert.throws(() => parseAuthorizedKey(`from="10.0.0.1 ${ED}`), /unterminated/);
  assert.throws(() => parseAuthorizedKey(`no-pty="x" ${ED}`), /takes no value/);
  assert.throws(() => parseAuthorizedKey(`from="10.0.0.0/33" ${ED}`), /prefix length/);
  assert.throws(() => parseAuthorizedKey(`principals="alice" ${ED}`), /only valid with cert-authority/);
});

test('cert-authority lines are CAs, never matched as user keys', () => {
  const ca = parseAuthorizedKey(`cert-authority,principals="alice,ops" ${fixtureText('ca_ed25519.pub')}`);
  assert.equal(ca.certAuthority, true);
  assert.deepEqual(ca.principals, ['alice', 'ops']);
  assert.ok(!matchAuthorizedKey([ca], fixtureBlob('ca_ed25519.pub'), '1.2.3.4', NOW).ok);
});

test('malformed key material and certificates are refused precisely', () => {
  assert.throws(() => parseAuthorizedKey('ssh-ed25519 not*base64'), /not base64/);
  assert.throws(() => parseAuthorizedKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5'), AuthorizedKeyError);
  const [, ecB64] = EC.split(' ');
  assert.throws(() => parseAuthorizedKey(`ssh-ed25519 ${ecB64}`), /does not match the key data/);
  assert.throws(() => parseAuthorizedKey(fixtureText('valid-cert.pub')), /certificate cannot be an authorized key/);
  assert.throws(() => parseAuthorizedKey(`x ${'A'.repeat(17000)}`), /limit/);
  assert.throws(() => parseAuthorizedKey('sk-ssh-ed25519@openssh.com AAAA'), AuthorizedKeyError);
});

test('parseAuthorizedKeys skips comments and reports each bad entry by index', () => {
  const { keys, errors } = parseAuthorizedKeys([ED, '# comment', '', 'garbage line', RSA]);
  assert.equal(keys.length, 2);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^authorized_keys\[3\]: /);
});

test('property: arbitrary option text before a key is parsed or refused with AuthorizedKeyError', async () => {
  const fc = (await import('fast-check')).default;
  fc.assert(fc.property(fc.string({ maxLength: 120 }), (opts) => {
    try {
      parseAuthorizedKey(`${opts} ${ED}`);
    } catch (err) {
      assert.ok(err instanceof AuthorizedKeyError, String(err));
    }
  }), { numRuns: 2000 });
});
