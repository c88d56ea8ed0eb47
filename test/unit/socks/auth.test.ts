import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { allow, deny } from '../../../src/errors.js';
import type { EffectiveUser } from '../../../src/config/users.js';
import type { ClientInfo } from '../../../src/pipeline/types.js';
import { hashPassword } from '../../../src/auth/password.js';
import { VerifiedPasswordCache } from '../../../src/auth/verified-cache.js';
import { createSocksAuthenticator, type PasswordAuthDeps } from '../../../src/socks/auth.js';

const client: ClientInfo = { ip: '127.0.0.1', port: 5000, door: 'socks5', connId: 'c0ffee00', startedAt: 0 };

async function setup(user: Partial<EffectiveUser> = {}, opts: { totpFor?: string[]; authorize?: 'deny' } = {}) {
  const failures: string[] = [];
  const alice = { username: 'alice', passwordHash: await hashPassword('pw', { memoryCost: 1024, timeCost: 1, parallelism: 1 }), totpEnabled: false, totpSecret: undefined, ...user } as EffectiveUser;
  const users = new Map([['alice', alice]]);
  const pipeline: PasswordAuthDeps = {
    user: (name) => users.get(name),
    totpRequiredFor: () => opts.totpFor ?? [],
    authorize: (_c: ClientInfo, u: EffectiveUser, method: string) => (opts.authorize === 'deny' ? deny('SKS5_DENY_EXPIRED', 'expired', 'account expired') : allow({ client: _c, user: u, method })),
    recordAuthFailure: (_c: ClientInfo, username: string, _m: string, reason: string) => { failures.push(`${username}: ${reason}`); },
  };
  const cache = new VerifiedPasswordCache({ ttlSecs: () => 300, clock: new FakeClock(0) });
  const codes: string[] = [];
  const auth = createSocksAuthenticator(pipeline, (_u, _s, code) => { codes.push(code); return code === '123456'; }, cache);
  return { auth, failures, codes };
}

test('a password that verified is answered synchronously next time, and its buffer is zeroed', async () => {
  const { auth } = await setup();
  const first = auth(client, 'alice', Buffer.from('pw'));
  assert.ok(first instanceof Promise, 'the first verification runs Argon2id off the event loop');
  assert.equal((await first).allow, true);
  const pw = Buffer.from('pw');
  const second = auth(client, 'alice', pw);
  assert.ok(!(second instanceof Promise), 'a cached password needs no promise');
  assert.equal(second.allow, true);
  assert.deepEqual([...pw], [0, 0], 'credential bytes are cleared');
});

test('the fast lane never accepts a different password, and a miss is verified and refused', async () => {
  const { auth, failures } = await setup();
  assert.equal((await auth(client, 'alice', Buffer.from('pw'))).allow, true);
  const wrong = auth(client, 'alice', Buffer.from('pW'));
  assert.ok(wrong instanceof Promise);
  assert.equal((await wrong).allow, false);
  assert.deepEqual(failures, ['alice: wrong password']);
});

test('account rules still apply on the fast lane (authorize decides)', async () => {
  const { auth } = await setup({}, {});
  await auth(client, 'alice', Buffer.from('pw'));
  const denying = await setup({}, { authorize: 'deny' });
  await denying.auth(client, 'alice', Buffer.from('pw'));
  const r = denying.auth(client, 'alice', Buffer.from('pw'));
  assert.ok(!(r instanceof Promise));
  assert.equal(r.allow, false);
});

test('TOTP accounts and a TOTP policy always take the full path, and the code is checked every time', async () => {
  const { auth, codes } = await setup({ totpEnabled: true, totpSecret: 'JBSWY3DPEHPK3PXP' });
  assert.equal((await auth(client, 'alice', Buffer.from('pw:123456'))).allow, true);
  const again = auth(client, 'alice', Buffer.from('pw:654321'));
  assert.ok(again instanceof Promise);
  assert.equal((await again).allow, false);
  assert.deepEqual(codes, ['123456', '654321']);
  // The password part alone verified a moment ago: without a code it is still refused.
  const bare = auth(client, 'alice', Buffer.from('pw'));
  assert.ok(bare instanceof Promise);
  assert.equal((await bare).allow, false);

  // A policy switched on (reload) after the password was cached: the cache does not bypass it.
  const totpFor: string[] = [];
  const policy = await setup({}, { totpFor });
  assert.equal((await policy.auth(client, 'alice', Buffer.from('pw'))).allow, true);
  totpFor.push('socks5');
  const r = policy.auth(client, 'alice', Buffer.from('pw'));
  assert.ok(r instanceof Promise);
  assert.equal((await r).allow, false);
});
