// The authorize stage as the shell's `test` and `ping` use it (server/shell-wiring.ts): the same
// function a forward runs, on the injected clock, with the client-facing text the shell prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { configSchema } from '../../../src/config/schema.js';
import { authorizeTunnel, tunnelContext } from '../../../src/pipeline/tunnel-stages.js';
import type { AuthedSession } from '../../../src/pipeline/types.js';
import { buildWorld } from '../../../src/pipeline/world.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const world = buildWorld(configSchema.parse({
  users: [
    { username: 'day', password_hash: HASH, time_access: { access_hours: '09:00-17:00' } },
    { username: 'office', password_hash: HASH, source_ips: ['10.0.0.0/8'] },
    { username: 'noforward', password_hash: HASH, allow_forwarding: false },
  ],
}), 0);

function refusal(username: string, sourceIp: string, clock: FakeClock, w = world): string | undefined {
  const user = world.users.get(username)!;
  const session: AuthedSession = { client: { ip: sourceIp, port: 0, door: 'ssh', connId: 'c0ffee01', startedAt: 0 }, user, method: 'password' };
  const d = authorizeTunnel(clock)(tunnelContext(session, { host: '', port: 0 }, w));
  return d.allow ? undefined : `${d.code}: ${d.client}`;
}

test('authorize refuses with the texts a forward and the shell show, and allows otherwise', () => {
  const clock = new FakeClock('2026-12-03T16:59:59Z');
  assert.equal(refusal('day', '203.0.113.1', clock), undefined);
  clock.advance(1000);
  assert.match(refusal('day', '203.0.113.1', clock) ?? '', /^SKS5_DENY_TIME: access not allowed at this time \(/);
  assert.equal(refusal('office', '10.1.2.3', clock), undefined);
  assert.equal(refusal('office', '203.0.113.1', clock), 'SKS5_DENY_SOURCE_IP: not allowed from this address');
  assert.equal(refusal('noforward', '10.1.2.3', clock), 'SKS5_DENY_FORWARDING: port forwarding is disabled for this account');
});

test('authorize reads the live world: an account removed by a reload is refused', () => {
  const reloaded = buildWorld(configSchema.parse({ users: [{ username: 'other', password_hash: HASH }] }), 0);
  assert.equal(refusal('office', '10.1.2.3', new FakeClock(0), reloaded), 'SKS5_DENY_ACL: account removed');
});
