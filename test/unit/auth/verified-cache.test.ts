import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { VerifiedPasswordCache } from '../../../src/auth/verified-cache.js';

test('a verified password is recognised until the TTL, the hash changes, or it is wrong', () => {
  const clock = new FakeClock(0);
  let ttl = 300;
  const c = new VerifiedPasswordCache({ ttlSecs: () => ttl, clock });
  const mac = c.mac('alice', Buffer.from('secret'));
  assert.equal(c.matches('alice', '$argon2id$h1', mac), false, 'nothing cached yet');
  c.remember('alice', '$argon2id$h1', mac);
  assert.equal(c.matches('alice', '$argon2id$h1', c.mac('alice', Buffer.from('secret'))), true);
  assert.equal(c.matches('alice', '$argon2id$h1', c.mac('alice', Buffer.from('Secret'))), false, 'wrong password');
  assert.equal(c.matches('bob', '$argon2id$h1', c.mac('bob', Buffer.from('secret'))), false, 'other user');
  assert.equal(c.matches('alice', '$argon2id$h2', mac), false, 'password_hash changed by a reload');
  c.remember('alice', '$argon2id$h1', mac);
  clock.advance(299_000);
  assert.equal(c.matches('alice', '$argon2id$h1', mac), true);
  clock.advance(1_000);
  assert.equal(c.matches('alice', '$argon2id$h1', mac), false, 'expired');
  ttl = 0;
  c.remember('alice', '$argon2id$h1', mac);
  assert.equal(c.matches('alice', '$argon2id$h1', mac), false, 'ttl 0 disables the cache');
});

test('the cache is bounded', () => {
  const c = new VerifiedPasswordCache({ ttlSecs: () => 60, clock: new FakeClock(0), maxEntries: 3 });
  for (const u of ['a', 'b', 'c', 'd']) c.remember(u, 'h', c.mac(u, Buffer.from('p')));
  assert.equal(c.size, 3);
  assert.equal(c.matches('a', 'h', c.mac('a', Buffer.from('p'))), false, 'oldest evicted');
  assert.equal(c.matches('d', 'h', c.mac('d', Buffer.from('p'))), true);
});

test('MACs depend on a per-process key, not only on the password', () => {
  const a = new VerifiedPasswordCache({ ttlSecs: () => 60, clock: new FakeClock(0) });
  const b = new VerifiedPasswordCache({ ttlSecs: () => 60, clock: new FakeClock(0) });
  assert.notDeepEqual(a.mac('u', Buffer.from('p')), b.mac('u', Buffer.from('p')));
});
