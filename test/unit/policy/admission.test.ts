import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { Admission, type SourceFilter } from '../../../src/policy/admission.js';
import { BanList } from '../../../src/policy/ban.js';
import { Reputation } from '../../../src/policy/reputation.js';
import type { Config, ConfigInput } from '../../../src/config/schema.js';
import type { Decision } from '../../../src/errors.js';
import type { AdmissionSlot } from '../../../src/pipeline/types.js';
import { compileMaintenanceWindows } from '../../../src/policy/maintenance-schedule.js';
import { makeConfig, recordingBus } from '../store/state-fixtures.js';

function setup(input: Partial<ConfigInput> = {}, geoip?: SourceFilter, start = '2026-05-06T12:00:00Z', random: () => number = () => 0.5) {
  const clock = new FakeClock(start);
  const { bus, named } = recordingBus(clock);
  let config: Config = makeConfig(input);
  const cfg = (): Config => config;
  const bans = new BanList({ config: cfg, clock, events: bus });
  const reputation = new Reputation({ config: cfg, clock });
  const admission = new Admission({ config: cfg, maintenance: () => compileMaintenanceWindows(config.maintenance_windows), clock, events: bus, bans, reputation, random, ...(geoip ? { geoip } : {}) });
  return { clock, admission, bans, reputation, named, setConfig: (c: Config) => { config = c; } };
}

function code(d: Decision<AdmissionSlot>): string {
  if (d.allow) { d.value.release(); return 'allow'; }
  return d.code;
}

test('max_connections counts authenticated connections: promote takes the slot, release frees it exactly once', () => {
  const { admission } = setup({ limits: { max_connections: 2 } });
  const a = admission.admit('192.0.2.1');
  const b = admission.admit('192.0.2.2');
  const c = admission.admit('192.0.2.3');
  assert.ok(a.allow && b.allow && c.allow, 'handshakes in progress do not use max_connections');
  assert.equal(admission.active, 0);
  assert.ok(a.value.promote().allow && b.value.promote().allow);
  assert.equal(admission.active, 2);
  const full = c.value.promote();
  assert.ok(!full.allow && full.code === 'SKS5_DENY_CONN_LIMIT', 'the third authenticated connection finds max_connections full');
  assert.equal(admission.startups().inProgress, 1, 'a refused promotion stays in the pre-auth budget until it closes');
  c.value.release();
  assert.equal(admission.startups().inProgress, 0);
  a.value.release();
  a.value.release(); // a second release (error path + close handler) must not free another slot
  assert.equal(admission.active, 1);
  const d = admission.admit('192.0.2.3');
  assert.ok(d.allow && d.value.promote().allow);
  assert.equal(admission.active, 2);
  const e = admission.admit('192.0.2.4');
  assert.ok(e.allow && !e.value.promote().allow, 'still full: the double release freed only one slot');
  assert.ok(d.value.promote().allow, 'promote is idempotent');
  assert.equal(admission.active, 2);
});

test('unauthenticated connections have their own budget, per source and in total, and leave it on promote', () => {
  const { admission } = setup({ limits: { max_startups: '4', per_source_max_startups: 2 } });
  const held = [admission.admit('192.0.2.1'), admission.admit('192.0.2.1')];
  const third = admission.admit('192.0.2.1');
  assert.ok(!third.allow && third.code === 'SKS5_DENY_STARTUPS_SOURCE', 'per_source_max_startups');
  held.push(admission.admit('192.0.2.2'), admission.admit('192.0.2.3'));
  const over = admission.admit('192.0.2.4');
  assert.ok(!over.allow && over.code === 'SKS5_DENY_STARTUPS' && over.operator.includes('full'), 'max_startups "4" is a hard cap');
  assert.deepEqual(admission.startups().dropped, { per_source: 1, early_drop: 0, full: 1 });
  assert.equal(admission.startups().earlyDropActive, true);
  const first = held[0];
  assert.ok(first?.allow && first.value.promote().allow);
  assert.equal(admission.startups().inProgress, 3, 'an authenticated connection no longer counts as a startup');
  assert.equal(code(admission.admit('192.0.2.1')), 'allow', 'its source has room again');
  for (const h of held) if (h.allow) h.value.release();
  assert.deepEqual([admission.startups().inProgress, admission.startups().sources, admission.active], [0, 0, 0]);
});

test('between start and full, the injected draw decides the early drop', () => {
  let draw = 0.99;
  const { admission } = setup({ limits: { max_startups: '2:50:6', per_source_max_startups: 0 } }, undefined, undefined, () => draw);
  const slots = [admission.admit('192.0.2.1'), admission.admit('192.0.2.2')];
  assert.ok(slots.every((s) => s.allow));
  assert.equal(code(admission.admit('192.0.2.3')), 'allow', 'at start the drop chance is 50%: a draw of 0.99 passes');
  draw = 0.49;
  const d = admission.admit('192.0.2.3');
  assert.ok(!d.allow && d.code === 'SKS5_DENY_STARTUPS' && d.operator.includes('random early drop, 50%'), !d.allow ? d.operator : 'allowed');
  assert.equal(admission.startups().dropped.early_drop, 1);
});

test('the ban whitelist does not exempt a source from the pre-auth budget', () => {
  const { admission } = setup({ limits: { per_source_max_startups: 1 }, security: { ban_whitelist: ['127.0.0.1'] } });
  const a = admission.admit('127.0.0.1');
  assert.ok(a.allow);
  assert.equal(code(admission.admit('127.0.0.1')), 'SKS5_DENY_STARTUPS_SOURCE');
});

test('maintenance refuses new connections with its message; scheduled windows too', () => {
  const { admission, named } = setup();
  admission.setMaintenance(true, 'Upgrading, back at 13:00 UTC');
  const d = admission.admit('192.0.2.1');
  assert.ok(!d.allow && d.code === 'SKS5_DENY_MAINTENANCE' && d.client === 'Upgrading, back at 13:00 UTC');
  assert.deepEqual(admission.maintenance(), { enabled: true, message: 'Upgrading, back at 13:00 UTC' });
  admission.setMaintenance(false);
  assert.equal(code(admission.admit('192.0.2.1')), 'allow');
  assert.deepEqual(named('maintenance.toggled').map((e) => (e.data as { enabled: boolean }).enabled), [true, false]);

  const sched = setup({ maintenance_windows: [{ schedule: 'daily 03:00-04:00', message: 'nightly backup' }] }, undefined, '2026-05-06T03:30:00Z');
  const s = sched.admission.admit('192.0.2.1');
  assert.ok(!s.allow && s.client === 'nightly backup');
  sched.clock.set('2026-05-06T04:00:00Z');
  assert.equal(code(sched.admission.admit('192.0.2.1')), 'allow', 'window end is exclusive');
});

test('allowed_source_ips admits only listed sources (IPv4-mapped IPv6 included)', () => {
  const { admission } = setup({ security: { allowed_source_ips: ['10.0.0.0/8', '2001:db8::/32'] } });
  assert.equal(code(admission.admit('10.2.3.4')), 'allow');
  assert.equal(code(admission.admit('::ffff:10.2.3.4')), 'allow');
  assert.equal(code(admission.admit('2001:db8::5')), 'allow');
  assert.equal(code(admission.admit('192.0.2.1')), 'SKS5_DENY_SOURCE_IP');
});

test('GeoIP denials are refused before any ban or rate work', () => {
  const geo: SourceFilter = { check: (ip) => (ip.startsWith('203.') ? { allow: false, reason: 'country RU is denied' } : { allow: true }) };
  const { admission } = setup({}, geo);
  const d = admission.admit('203.0.113.1');
  assert.ok(!d.allow && d.code === 'SKS5_DENY_GEOIP' && d.operator.includes('RU'));
  assert.equal(code(admission.admit('198.51.100.1')), 'allow');
});

test('auth failures ban the source at ban_threshold; the ban is checked at admission; whitelist exempt', () => {
  const { admission, clock, named } = setup({ security: { ban_threshold: 3, ban_window: 300, ban_duration: 60, ban_whitelist: ['127.0.0.1'] } });
  for (let i = 0; i < 3; i++) admission.recordAuthFailure('192.0.2.7', 'root');
  const d = admission.admit('192.0.2.7');
  assert.ok(!d.allow && d.code === 'SKS5_DENY_BANNED');
  assert.ok(d.operator.includes('root'), d.operator);
  assert.equal(named('ban.created').length, 1);
  for (let i = 0; i < 10; i++) admission.recordAuthFailure('127.0.0.1', 'root');
  assert.equal(code(admission.admit('127.0.0.1')), 'allow');
  clock.advance(60_000);
  assert.equal(code(admission.admit('192.0.2.7')), 'allow');
  assert.equal(named('ban.expired').length, 1);
});

test('reputation above the threshold is refused; below it is admitted', () => {
  const { admission, clock } = setup({ security: { ip_reputation_enabled: true, ip_reputation_ban_threshold: 30, ban_enabled: false } });
  admission.recordAuthFailure('192.0.2.8', 'x');
  admission.recordAuthFailure('192.0.2.8', 'x');
  admission.recordAclDenial('192.0.2.8'); // 25
  assert.equal(code(admission.admit('192.0.2.8')), 'allow');
  admission.recordAclDenial('192.0.2.8'); // 30
  assert.equal(code(admission.admit('192.0.2.8')), 'SKS5_DENY_REPUTATION');
  admission.recordAuthSuccess('192.0.2.8'); // 25
  assert.equal(code(admission.admit('192.0.2.8')), 'allow');
  admission.recordAclDenial('192.0.2.8');
  clock.advance(3_600_000);
  assert.equal(code(admission.admit('192.0.2.8')), 'allow', 'decayed');
});

test('max_new_connections_per_ip_per_minute refuses the excess, emits rate_limit.exceeded and scores it as rapid', () => {
  const { admission, clock, named, reputation } = setup({
    security: { max_new_connections_per_ip_per_minute: 3, ban_whitelist: ['127.0.0.1'], ip_reputation_enabled: true, ip_reputation_ban_threshold: 0 },
  });
  for (let i = 0; i < 3; i++) assert.equal(code(admission.admit('192.0.2.9')), 'allow');
  const d = admission.admit('192.0.2.9');
  assert.ok(!d.allow && d.code === 'SKS5_DENY_RATE' && d.client === 'too many connections, slow down');
  assert.equal(named('rate_limit.exceeded').length, 1);
  assert.equal(reputation.score('192.0.2.9'), 3);
  assert.equal(code(admission.admit('192.0.2.10')), 'allow', 'other sources are unaffected');
  for (let i = 0; i < 10; i++) assert.equal(code(admission.admit('127.0.0.1')), 'allow', 'whitelist is exempt');
  clock.advance(60_000);
  assert.equal(code(admission.admit('192.0.2.9')), 'allow');
});

test('server-wide max_new_connections_per_second and per_minute', () => {
  const { admission, clock } = setup({ limits: { max_new_connections_per_second: 2, max_new_connections_per_minute: 3 } });
  assert.equal(code(admission.admit('192.0.2.1')), 'allow');
  assert.equal(code(admission.admit('192.0.2.2')), 'allow');
  assert.equal(code(admission.admit('192.0.2.3')), 'SKS5_DENY_RATE');
  clock.advance(1000);
  assert.equal(code(admission.admit('192.0.2.3')), 'allow');
  assert.equal(code(admission.admit('192.0.2.4')), 'SKS5_DENY_RATE', 'per-minute limit of 3 reached');
  clock.advance(59_000);
  assert.equal(code(admission.admit('192.0.2.4')), 'allow');
});

test('a reloaded config applies to the next connection', () => {
  const { admission, setConfig } = setup();
  assert.equal(code(admission.admit('192.0.2.1')), 'allow');
  setConfig(makeConfig({ security: { allowed_source_ips: ['10.0.0.0/8'] } }));
  assert.equal(code(admission.admit('192.0.2.1')), 'SKS5_DENY_SOURCE_IP');
});

test('per-IP windows are bounded by rate_limit_max_ips and swept when idle', () => {
  const { admission, clock } = setup({ security: { max_new_connections_per_ip_per_minute: 1, rate_limit_max_ips: 50 } });
  for (let i = 0; i < 500; i++) code(admission.admit(`10.0.${i >> 8}.${i & 255}`));
  assert.equal(code(admission.admit('10.0.1.243')), 'SKS5_DENY_RATE', 'a recent source is still limited');
  clock.advance(60_000);
  admission.sweep();
  assert.equal(code(admission.admit('10.0.1.243')), 'allow');
});
