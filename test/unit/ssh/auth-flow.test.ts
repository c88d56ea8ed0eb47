import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';
import type { AuthContext } from 'ssh2';
import { FakeClock } from '../../../src/clock.js';
import { allow, deny } from '../../../src/errors.js';
import type { EffectiveUser } from '../../../src/config/users.js';
import type { Config } from '../../../src/config/schema.js';
import type { AuthedSession, ClientInfo, SshDoorConnection, SshDoorPort } from '../../../src/pipeline/types.js';
import { parseAuthorizedKeys } from '../../../src/auth/pubkey.js';
import { parseTrustedCa } from '../../../src/auth/cert.js';
import { TotpGuard } from '../../../src/auth/totp.js';
import { hashPassword } from '../../../src/auth/password.js';
import { MAX_KEY_OFFERS, SshAuthFlow } from '../../../src/ssh/auth-flow.js';
import { fixtureBlob, fixtureText, sshSign } from '../../fixtures/ssh/files.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/ssh/', import.meta.url));
const client: ClientInfo = { ip: '127.0.0.1', port: 5000, door: 'ssh', connId: 'c0ffee00', startedAt: 0 };

interface Reply { kind: 'accept' | 'reject'; methods?: string[] | undefined; partial?: boolean | undefined }

function ctx(method: string, fields: Record<string, unknown>, replies: Reply[], username = 'alice'): AuthContext {
  return {
    method, username, service: 'ssh-connection', ...fields,
    accept: () => replies.push({ kind: 'accept' }),
    reject: (methods?: string[], partial?: boolean) => replies.push({ kind: 'reject', methods, partial }),
    once: () => undefined,
  } as unknown as AuthContext;
}

async function setup(user: Partial<EffectiveUser>, opts: { maxAttempts?: number; authorize?: 'deny' } = {}) {
  const failures: string[] = [];
  const sessions: AuthedSession[] = [];
  const disconnects: string[] = [];
  const clientTexts: (string | undefined)[] = [];
  const alice = { username: 'alice', passwordHash: await hashPassword('pw', { memoryCost: 1024, timeCost: 1, parallelism: 1 }), authorizedKeys: [], authMethods: [], totpEnabled: false, totpSecret: undefined, ...user } as EffectiveUser;
  const users = new Map([['alice', alice]]);
  const conn = { client } as SshDoorConnection;
  const port: Pick<SshDoorPort, 'user' | 'authFailed' | 'authorize'> = {
    user: (name) => users.get(name),
    authFailed: (_c, u, m, r) => { failures.push(`${u}/${m}: ${r}`); },
    authorize: (c, u, method, fp) =>
      opts.authorize === 'deny' ? deny('SKS5_DENY_TIME', 'outside access_hours', 'not allowed now') : allow({ client: c.client, user: u, method, ...(fp ? { keyFingerprint: fp } : {}) }),
  };
  const config = { security: { totp_required_for: [] }, limits: { max_auth_attempts: opts.maxAttempts ?? 3 } } as unknown as Config;
  const flow = new SshAuthFlow({
    port, conn, config: () => config, clock: new FakeClock('2026-11-25T10:00:00Z'), log: { info: () => {} }, totp: new TotpGuard(),
    keysOf: (u) => parseAuthorizedKeys(u.authorizedKeys).keys,
    trustedCasOf: () => [parseTrustedCa(fixtureText('ca_ed25519.pub'))],
    onAuthenticated: (s) => sessions.push(s),
    disconnect: (r, text) => { disconnects.push(r); if (text !== undefined) clientTexts.push(text); },
  });
  return { flow, failures, sessions, disconnects, clientTexts };
}


test('password: wrong ones count and emit auth.failure; at max_auth_attempts the flow disconnects', async () => {
  const s = await setup({}, { maxAttempts: 2 });
  const replies: Reply[] = [];
  await s.flow.handle(ctx('password', { password: 'nope' }, replies));
  await s.flow.handle(ctx('password', { password: 'nope2' }, replies));
  assert.deepEqual(s.failures, ['alice/password: wrong password', 'alice/password: wrong password']);
  assert.deepEqual(replies[1], { kind: 'reject', methods: [], partial: undefined });
  assert.equal(s.disconnects.length, 1);
  await s.flow.handle(ctx('password', { password: 'pw' }, replies));
  assert.deepEqual(replies[2], { kind: 'reject', methods: [], partial: undefined }, 'nothing more after the budget is spent');
});

test('none is answered with the methods left and is never a failure', async () => {
  const s = await setup({});
  const replies: Reply[] = [];
  await s.flow.handle(ctx('none', {}, replies));
  assert.deepEqual(replies, [{ kind: 'reject', methods: ['publickey', 'password', 'keyboard-interactive'], partial: undefined }]);
  assert.deepEqual(s.failures, []);
});

test('publickey: an unknown key offered is a probe (not counted); more than MAX_KEY_OFFERS disconnects', async () => {
  const s = await setup({});
  const replies: Reply[] = [];
  for (let i = 0; i <= MAX_KEY_OFFERS; i++) {
    await s.flow.handle(ctx('publickey', { key: { algo: 'ssh-ed25519', data: fixtureBlob('user_ed25519.pub') } }, replies));
  }
  assert.deepEqual(s.failures, []);
  assert.equal(s.disconnects.length, 1);
  assert.match(s.disconnects[0]!, /keys offered/);
});

test('publickey: a listed key is accepted on query (PK_OK) and on a valid signature, with its fingerprint', async () => {
  const s = await setup({ authorizedKeys: [fixtureText('user_ed25519.pub')] });
  const replies: Reply[] = [];
  const key = { algo: 'ssh-ed25519', data: fixtureBlob('user_ed25519.pub') };
  await s.flow.handle(ctx('publickey', { key }, replies));
  assert.deepEqual(replies[0], { kind: 'accept' });
  const blob = Buffer.from('session-id and request');
  const priv = ssh2.utils.parseKey(readFileSync(`${FIXTURES}user_ed25519`));
  if (priv instanceof Error) throw priv;
  // ssh2 hands the server a bare ed25519 signature for plain keys.
  await s.flow.handle(ctx('publickey', { key, blob, signature: priv.sign(blob) }, replies));
  assert.deepEqual(replies[1], { kind: 'accept' });
  assert.equal(s.sessions[0]?.keyFingerprint, 'SHA256:2p4bNbQd6PSnkg7gtKcR79nSsPOogoOedG8OIhWkiqg');
  assert.equal(s.sessions[0]?.method, 'publickey');
});

test('certificate: ssh2 passes the raw SSH signature; verified with the inner key', async () => {
  const s = await setup({});
  const replies: Reply[] = [];
  const key = { algo: 'ssh-ed25519-cert-v01@openssh.com', data: fixtureBlob('valid-cert.pub') };
  const blob = Buffer.from('session-id and request');
  await s.flow.handle(ctx('publickey', { key, blob, signature: sshSign('ca_ed25519', blob) }, replies));
  assert.equal(replies[0]?.kind, 'reject', 'signed by the CA, not by the holder');
  assert.match(s.failures[0] ?? '', /bad signature/);
  await s.flow.handle(ctx('publickey', { key, blob, signature: sshSign('user_ed25519', blob) }, replies));
  assert.deepEqual(replies[1], { kind: 'accept' });
  assert.equal(s.sessions[0]?.method, 'certificate');
});

test('chain pubkey+password: partial success after the key, success after the password; password first is not counted', async () => {
  const s = await setup({ authorizedKeys: [fixtureText('user_ed25519.pub')], authMethods: ['pubkey', 'password'] });
  const replies: Reply[] = [];
  await s.flow.handle(ctx('password', { password: 'pw' }, replies));
  assert.deepEqual(replies[0], { kind: 'reject', methods: ['publickey'], partial: undefined });
  const key = { algo: 'ssh-ed25519', data: fixtureBlob('user_ed25519.pub') };
  const blob = Buffer.from('x');
  const priv = ssh2.utils.parseKey(readFileSync(`${FIXTURES}user_ed25519`));
  if (priv instanceof Error) throw priv;
  await s.flow.handle(ctx('publickey', { key, blob, signature: priv.sign(blob) }, replies));
  assert.deepEqual(replies[1], { kind: 'reject', methods: ['password', 'keyboard-interactive'], partial: true });
  await s.flow.handle(ctx('password', { password: 'pw' }, replies));
  assert.deepEqual(replies[2], { kind: 'accept' });
  assert.equal(s.sessions[0]?.method, 'publickey+password');
  assert.deepEqual(s.failures, []);
});

test('credentials right but the account refused (time window): disconnected with the client text, no failure reply first', async () => {
  const s = await setup({}, { authorize: 'deny' });
  const replies: Reply[] = [];
  await s.flow.handle(ctx('password', { password: 'pw' }, replies));
  // A USERAUTH_FAILURE first would make OpenSSH print "Permission denied" and never show the text.
  assert.deepEqual(replies, []);
  assert.deepEqual(s.disconnects, ['outside access_hours']);
  assert.deepEqual(s.clientTexts, ['not allowed now']);
  assert.equal(s.sessions.length, 0);
});

test('unknown user: password runs the dummy hash and fails as "unknown user"', async () => {
  const s = await setup({});
  const replies: Reply[] = [];
  await s.flow.handle(ctx('password', { password: 'pw' }, replies, 'mallory'));
  assert.deepEqual(s.failures, ['mallory/password: unknown user']);
  assert.deepEqual(replies[0]?.methods, ['publickey', 'password', 'keyboard-interactive'], 'same answer as for a real user');
});
