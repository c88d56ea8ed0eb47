import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { FakeClock } from '../../../src/clock.js';
import { TicketIssuer } from '../../../src/observe/tickets.js';

const TOKEN = 'ticket-token-0123456789abcdef';

test('a ticket is ts:nonce:hmac in the original format and verifies once', () => {
  const clock = new FakeClock('2026-03-01T00:00:00Z');
  const issuer = new TicketIssuer(TOKEN, clock);
  const { ticket, expires_in } = issuer.issue();
  assert.equal(expires_in, 30);
  const [ts, nonce, sig] = ticket.split(':');
  assert.equal(ts, String(Date.parse('2026-03-01T00:00:00Z') / 1000));
  assert.match(nonce as string, /^[0-9a-f]{32}$/, '128-bit nonce');
  assert.equal(sig, createHmac('sha256', `sks5-sse-ticket:${TOKEN}`).update(`${ts}:${nonce}`).digest('hex'));
  assert.deepEqual(issuer.redeem(ticket), { ok: true });
  assert.deepEqual(issuer.redeem(ticket), { ok: false, reason: 'replayed' });
});

test('expired, future, forged, other-token and malformed tickets are refused', () => {
  const clock = new FakeClock('2026-03-01T00:00:00Z');
  const issuer = new TicketIssuer(TOKEN, clock);
  const t1 = issuer.issue().ticket;
  clock.advance(30_000);
  const t2 = issuer.issue().ticket;
  clock.advance(1000);
  assert.deepEqual(issuer.redeem(t1), { ok: false, reason: 'expired' });
  assert.deepEqual(issuer.redeem(t2), { ok: true }, 'still inside its 30 s');
  const other = new TicketIssuer('another-token-0123456789', clock).issue().ticket;
  assert.deepEqual(issuer.redeem(other), { ok: false, reason: 'bad_signature' });
  const future = new TicketIssuer(TOKEN, new FakeClock(clock.now() + 60_000)).issue().ticket;
  assert.deepEqual(issuer.redeem(future), { ok: false, reason: 'future' });
  const [ts, nonce] = issuer.issue().ticket.split(':');
  assert.deepEqual(issuer.redeem(`${ts}:${nonce}:${'0'.repeat(64)}`), { ok: false, reason: 'bad_signature' });
  for (const bad of ['', 'a:b:c', `${ts}:${nonce}`, `${ts}:${nonce}:${'g'.repeat(64)}`, `${ts}:${nonce}:${'0'.repeat(63)}`, 'x'.repeat(10_000), `-1:${nonce}:${'0'.repeat(64)}`]) {
    assert.deepEqual(issuer.redeem(bad), { ok: false, reason: 'malformed' }, bad.slice(0, 40));
  }
});

test('redeemed nonces are forgotten once expired, so memory stays bounded', () => {
  const clock = new FakeClock('2026-03-01T00:00:00Z');
  const issuer = new TicketIssuer(TOKEN, clock);
  for (let round = 0; round < 3; round += 1) {
    for (let i = 0; i < 4000; i += 1) assert.deepEqual(issuer.redeem(issuer.issue().ticket), { ok: true });
    clock.advance(31_000);
  }
});
