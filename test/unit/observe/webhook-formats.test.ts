import { auditFields } from '../../../src/observe/audit-fields.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sks5Event } from '../../../src/observe/events.js';
import { EVENT_NAMES, compileEventFilter, discordBody, formatBody, renderTemplate, slackBody, summarize, templateProblem } from '../../../src/observe/webhook-formats.js';

const acl: Sks5Event<'acl.deny'> = { type: 'acl.deny', timestamp: '2026-03-01T00:00:00.000Z', data: { username: 'bob', source_ip: '198.51.100.2', target_host: 'internal.corp', target_port: 22, code: 'SKS5_DENY_ACL', reason: 'deny *.corp:*', protocol: 'ssh', conn_id: 'c' } };

test('filters: dotted, underscore, legacy names, wildcards; unknown names are reported', () => {
  const f = compileEventFilter(['auth_failure', 'connection_open', 'connection_close', 'ban', 'proxy.*', 'RATE_LIMIT_EXCEEDED', 'nope', 'auth.*x']);
  for (const yes of ['auth.failure', 'connection.new', 'connection.closed', 'ban.created', 'ban.expired', 'ban.removed', 'proxy.start', 'proxy.complete', 'rate_limit.exceeded']) assert.ok(f.matches(yes), yes);
  for (const no of ['auth.success', 'acl.deny', 'config.reload']) assert.ok(!f.matches(no), no);
  assert.deepEqual(f.unknown, ['nope', 'auth.*x']);
  assert.ok(compileEventFilter([]).matches('anything'), 'empty = all');
  assert.ok(compileEventFilter(['*']).matches('alert.triggered'));
  for (const name of EVENT_NAMES) assert.ok(compileEventFilter([name.replace('.', '_')]).matches(name), `${name} by its underscore spelling`);
});

test('summaries name the target host (the original printed "?" for proxy events)', () => {
  assert.equal(summarize(acl), 'bob denied internal.corp:22: deny *.corp:*');
  assert.match(summarize({ type: 'proxy.start', timestamp: acl.timestamp, data: { username: 'a', source_ip: 'x', target_host: 'example.com', target_port: 443, resolved_ip: 'y', protocol: 'ssh', conn_id: 'c', session_id: 's1' } }), /example\.com:443/);
  for (const name of EVENT_NAMES) assert.equal(typeof summarize({ type: name, timestamp: acl.timestamp, data: {} } as unknown as Sks5Event), 'string');
});

test('Slack escapes control sequences so a username cannot @channel anyone', () => {
  const ev: Sks5Event<'auth.failure'> = { type: 'auth.failure', timestamp: acl.timestamp, data: { username: '<!channel>', source_ip: '192.0.2.1', method: 'password', protocol: 'ssh', conn_id: 'c', reason: 'x & y' } };
  const body = slackBody(ev) as { text: string; blocks: Array<{ text?: { text: string } }> };
  assert.doesNotMatch(JSON.stringify(body), /<!channel>/);
  assert.match(body.text, /&lt;!channel&gt;/);
  assert.match(body.text, /^\u{1F534} \[sks5\] auth\.failure: /u);
});

test('Discord embeds carry user, IP and target fields, a colour and no mentions', () => {
  const body = discordBody(acl) as { embeds: Array<{ color: number; fields: Array<{ name: string; value: string }> }>; allowed_mentions: unknown };
  assert.deepEqual(body.embeds[0]?.fields.map((f) => `${f.name}=${f.value}`), ['User=bob', 'IP=198.51.100.2', 'Target=internal.corp:22']);
  assert.equal(body.embeds[0]?.color, 0xed4245);
  assert.deepEqual(body.allowed_mentions, { parse: [] });
});

test('custom templates escape values for JSON, except {data_json}, and expand nothing twice', () => {
  const ev: Sks5Event<'auth.failure'> = { type: 'auth.failure', timestamp: acl.timestamp, data: { username: 'a"b\\c{summary}', source_ip: '192.0.2.1', method: 'password', protocol: 'ssh', conn_id: 'c', reason: 'r' } };
  const out = renderTemplate('{"u":"{username}","d":{data_json},"t":"{target_host}"}', ev);
  assert.deepEqual(JSON.parse(out), { u: 'a"b\\c{summary}', d: { ...ev.data, correlation_id: 'c', auth_method: 'password' }, t: '' });
  assert.equal(templateProblem('{"u":"{username}"}'), undefined);
  assert.match(templateProblem('{"u":{username}}') ?? '', /does not render to JSON/);
  assert.equal(formatBody('custom', acl), JSON.stringify({ event_type: 'acl.deny', timestamp: acl.timestamp, data: { event_type: 'acl.deny', timestamp: acl.timestamp, ...auditFields(acl) } }), 'custom without template falls back to generic');
});
