// The accept and login tables (pipeline/login-stages.ts) as the engine runs them: admission at
// accept, then authorize and the authenticated slot at login, in the order of STAGES, on a fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { configSchema } from '../../../src/config/schema.js';
import { allow, deny, type Decision } from '../../../src/errors.js';
import { loginSequences, type AcceptContext, type LoginContext } from '../../../src/pipeline/login-stages.js';
import { runStagesSync, stageOrder } from '../../../src/pipeline/run.js';
import type { AdmissionSlot, ClientInfo } from '../../../src/pipeline/types.js';
import { buildWorld } from '../../../src/pipeline/world.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const world = buildWorld(configSchema.parse({
  users: [
    { username: 'day', password_hash: HASH, time_access: { access_hours: '09:00-17:00' } },
    { username: 'gated', password_hash: HASH, require_approved_fingerprint: true },
  ],
}), 0);

const client = (door: 'ssh' | 'socks5' = 'ssh'): ClientInfo => ({ ip: '203.0.113.7', port: 40000, door, connId: 'c0ffee01', startedAt: 0 });

function slot(promote: Decision): AdmissionSlot & { promoted: number } {
  return { promoted: 0, release() {}, promote() { this.promoted++; return promote; } };
}

function tables(opts: { admit?: Decision<AdmissionSlot>; fingerprint?: string; status?: string | null; clock?: FakeClock }) {
  return loginSequences({
    clock: opts.clock ?? new FakeClock('2026-12-03T10:00:00Z'),
    admission: { admit: () => opts.admit ?? allow(slot(allow())) },
    clientFingerprint: () => opts.fingerprint,
    fingerprintStatus: () => opts.status ?? null,
  });
}

test('accept runs admission only; its slot is what the connection holds', () => {
  const s = slot(allow());
  const t = tables({ admit: allow(s) });
  assert.deepEqual(stageOrder(t.accept), ['admission']);
  const ctx: AcceptContext = { client: client() };
  assert.equal(runStagesSync(t.accept, ctx).allow, true);
  assert.equal(ctx.slot, s);
  const banned = runStagesSync(tables({ admit: deny('SKS5_DENY_BANNED', '203.0.113.7 banned', 'banned') }).accept, { client: client() });
  assert.equal(banned.allow ? '' : banned.code, 'SKS5_DENY_BANNED');
});

test('login runs authorize before limits: an account refused outside its window never takes a slot', () => {
  const clock = new FakeClock('2026-12-03T16:59:59Z');
  const t = tables({ clock });
  assert.deepEqual(stageOrder(t.login), ['authorize', 'limits']);
  const pending = slot(allow());
  const ok: LoginContext = { client: client(), user: world.users.get('day')!, pending };
  assert.equal(runStagesSync(t.login, ok).allow, true);
  assert.equal(ok.authorized, true);
  assert.equal(pending.promoted, 1);

  clock.advance(1000);
  const late: LoginContext = { client: client(), user: world.users.get('day')!, pending: slot(allow()) };
  const d = runStagesSync(t.login, late);
  assert.equal(d.allow ? '' : d.code, 'SKS5_DENY_TIME');
  assert.equal(late.authorized, undefined, 'refused by authorize: the engine counts an authentication failure');
  assert.equal((late.pending as ReturnType<typeof slot>).promoted, 0);
});

test('a full max_connections is refused by limits, after authorize passed (a refusal, not an auth failure)', () => {
  const full = slot(deny('SKS5_DENY_CONN_LIMIT', 'limits.max_connections (1) authenticated connections reached', 'server busy, try again later'));
  const ctx: LoginContext = { client: client(), user: world.users.get('day')!, pending: full };
  const d = runStagesSync(tables({}).login, ctx);
  assert.equal(d.allow ? '' : d.code, 'SKS5_DENY_CONN_LIMIT');
  assert.equal(ctx.authorized, true);
});

test('require_approved_fingerprint: unknown, pending and approved SSH clients; SOCKS5 is not gated', () => {
  const user = world.users.get('gated')!;
  const run = (o: { fingerprint?: string; status?: string | null }, door: 'ssh' | 'socks5' = 'ssh') => {
    const d = runStagesSync(tables(o).login, { client: client(door), user, pending: undefined });
    return d.allow ? 'allowed' : `${d.code}: ${d.client}`;
  };
  assert.equal(run({}), 'SKS5_DENY_FINGERPRINT: this SSH client is not approved yet: ask an administrator to approve it');
  assert.match(run({ fingerprint: 'ab12', status: 'pending' }), /^SKS5_DENY_FINGERPRINT: .*approve its fingerprint ab12$/);
  assert.equal(run({ fingerprint: 'ab12', status: 'approved' }), 'allowed');
  assert.equal(run({}, 'socks5'), 'allowed');
});
