import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/clock.js';
import { alertRuleSchema, type AlertRuleConfig } from '../../../src/config/schema.js';
import { EventBus, type EventMap, type Sks5Event } from '../../../src/observe/events.js';
import { Alerting, usageValue, type AlertUsage } from '../../../src/observe/alerting.js';

function rule(r: Partial<AlertRuleConfig> & Pick<AlertRuleConfig, 'name' | 'condition' | 'threshold'>): AlertRuleConfig {
  return alertRuleSchema.parse(r);
}

function setup(rules: AlertRuleConfig[], usage: Record<string, AlertUsage> = {}) {
  const clock = new FakeClock('2026-03-01T10:00:00Z');
  const bus = new EventBus(() => clock.now());
  const fired: Array<EventMap['alert.triggered']> = [];
  const delivered: Array<{ url: string; event: Sks5Event }> = [];
  bus.on('alert.triggered', (e) => fired.push(e.data));
  const alerting = new Alerting({
    rules, events: bus, clock, usage: (u) => usage[u], users: () => Object.keys(usage),
    webhooks: { deliverTo: (url, event) => delivered.push({ url, event }) },
  });
  return { clock, bus, fired, delivered, alerting };
}

const zero: AlertUsage = { hourly_bytes: 0, daily_bytes: 0, monthly_bytes: 0, daily_connections: 0, monthly_connections: 0 };
const fail = (username: string): EventMap['auth.failure'] => ({ username, source_ip: '192.0.2.1', method: 'password', protocol: 'ssh', conn_id: 'c', reason: 'bad password' });

test('auth_failures counts real auth.failure events within the window and fires once per window', () => {
  const { clock, bus, fired, delivered } = setup([rule({ name: 'brute', condition: 'auth_failures', threshold: 3, window_secs: 60, webhook_url: 'https://hooks.example.com/a' })]);
  bus.emit('auth.failure', fail('root'));
  bus.emit('auth.failure', fail('root'));
  assert.equal(fired.length, 0);
  bus.emit('auth.failure', fail('root'));
  assert.deepEqual(fired, [{ alert: 'brute', condition: 'auth_failures', threshold: 3, value: 3, username: 'root' }]);
  bus.emit('auth.failure', fail('root'));
  bus.emit('auth.failure', fail('root'));
  assert.equal(fired.length, 1, 'same window: no repeat');
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0]?.url, 'https://hooks.example.com/a');
  assert.equal(delivered[0]?.event.type, 'alert.triggered');
  clock.advance(60_000); // the next window re-arms
  bus.emit('auth.failure', fail('root'));
  assert.equal(fired.length, 1, 'old failures slid out of the window');
  bus.emit('auth.failure', fail('root'));
  bus.emit('auth.failure', fail('root'));
  assert.equal(fired.length, 2);
  bus.emit('auth.failure', fail('alice'));
  assert.equal(fired.length, 2, 'counted per username');
});

test('failures spread wider than the window never add up to an alert', () => {
  const { clock, bus, fired } = setup([rule({ name: 'brute', condition: 'auth_failures', threshold: 3, window_secs: 60 })]);
  for (let i = 0; i < 10; i += 1) {
    bus.emit('auth.failure', fail('root'));
    clock.advance(31_000);
  }
  assert.equal(fired.length, 0);
});

test('rules limited to users ignore the others', () => {
  const { bus, fired } = setup([rule({ name: 'vip', condition: 'auth_failures', threshold: 1, users: ['alice'] })]);
  bus.emit('auth.failure', fail('bob'));
  bus.emit('auth.failure', fail('alice'));
  assert.deepEqual(fired.map((f) => f.username), ['alice']);
});

test('usage rules fire when the value exceeds the threshold, once per window, for every known user', () => {
  const usage: Record<string, AlertUsage> = { alice: { ...zero, hourly_bytes: 2000, daily_bytes: 5000 }, bob: { ...zero, hourly_bytes: 10 } };
  const { clock, alerting, fired } = setup([
    rule({ name: 'bw', condition: 'bandwidth_exceeded', threshold: 1000, window_secs: 3600 }),
    rule({ name: 'conns', condition: 'connections_exceeded', threshold: 5, window_secs: 86400, users: ['bob'] }),
  ], usage);
  alerting.evaluate();
  assert.deepEqual(fired, [{ alert: 'bw', condition: 'bandwidth_exceeded', threshold: 1000, value: 2000, username: 'alice' }]);
  clock.advance(30_000);
  alerting.evaluate();
  assert.equal(fired.length, 1, 'de-duplicated within the hour');
  (usage['bob'] as AlertUsage).daily_connections = 6;
  alerting.evaluate();
  assert.equal(fired.at(-1)?.alert, 'conns');
  clock.advance(3600_000);
  alerting.evaluate();
  assert.equal(fired.filter((f) => f.alert === 'bw').length, 2, 'fires again in the next window while still exceeded');
  assert.equal(fired.filter((f) => f.alert === 'conns').length, 1, 'the daily rule stays quiet for the rest of its day');
});

test('the window picks the usage figure as the original did', () => {
  const u: AlertUsage = { hourly_bytes: 1, daily_bytes: 2, monthly_bytes: 3, daily_connections: 4, monthly_connections: 5 };
  assert.equal(usageValue({ condition: 'bandwidth_exceeded', window_secs: 3600 }, u), 1);
  assert.equal(usageValue({ condition: 'bandwidth_exceeded', window_secs: 86400 }, u), 2);
  assert.equal(usageValue({ condition: 'bandwidth_exceeded', window_secs: 86401 }, u), 3);
  assert.equal(usageValue({ condition: 'connections_exceeded', window_secs: 3600 }, u), 4);
  assert.equal(usageValue({ condition: 'connections_exceeded', window_secs: 7 * 86400 }, u), 5);
  assert.equal(usageValue({ condition: 'monthly_bandwidth_exceeded', window_secs: 60 }, u), 3);
  assert.equal(usageValue({ condition: 'hourly_bandwidth_exceeded', window_secs: 999999 }, u), 1);
});
