/**
 * Webhook delivery to a real HTTP receiver on 127.0.0.1: signatures checked independently here,
 * retries, payload formats, SSRF refusal with address pinning, and both filter name styles.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/clock.js';
import { webhookSchema, type WebhookConfig } from '../../src/config/schema.js';
import { EventBus, type Sks5Event } from '../../src/observe/events.js';
import { createWebhookDispatcher } from '../../src/observe/webhooks.js';

interface Received { headers: IncomingHttpHeaders; body: string; path: string }

async function receiver(t: TestContext, statuses: number[] = []) {
  const got: Received[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  return { got, port, url: `http://127.0.0.1:${port}/hook` };
}

function hook(fields: Partial<WebhookConfig> & { url: string }): WebhookConfig {
  return webhookSchema.parse({ allow_private_ips: true, retry_delay_ms: 10, max_retry_delay_ms: 50, ...fields });
}

const failure: Sks5Event<'auth.failure'> = { type: 'auth.failure', timestamp: '2026-03-01T12:00:00.000Z', data: { username: 'mallory', source_ip: '192.0.2.7', method: 'password', protocol: 'ssh', conn_id: 'ab12cd34', reason: 'bad password' } };
const proxy: Sks5Event<'proxy.complete'> = { type: 'proxy.complete', timestamp: '2026-03-01T12:00:01.000Z', data: { username: 'alice', source_ip: '198.51.100.4', target_host: 'example.com', target_port: 443, resolved_ip: '93.184.216.34', protocol: 'socks5', conn_id: 'c2', session_id: 's1', bytes_up: 10, bytes_down: 20, duration_ms: 1000 } };

test('a signed generic delivery verifies with the secret, and carries timestamp and delivery id', async (t) => {
  const rx = await receiver(t);
  const d = createWebhookDispatcher({ webhooks: [hook({ url: rx.url, secret: 'shh-secret' })], clock: systemClock });
  t.after(() => d.close());
  d.dispatch(failure);
  await d.idle();
  assert.equal(rx.got.length, 1);
  const r = rx.got[0] as Received;
  const expected = `sha256=${createHmac('sha256', 'shh-secret').update(r.body).digest('hex')}`;
  assert.equal(r.headers['x-signature-256'], expected);
  const ts = r.headers['x-sks5-timestamp'] as string;
  const id = r.headers['x-sks5-delivery'] as string;
  assert.match(ts, /^\d{10}$/);
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 600);
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(r.headers['x-sks5-signature'], `sha256=${createHmac('sha256', 'shh-secret').update(`${ts}.${id}.${r.body}`).digest('hex')}`);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.headers['x-sks5-event'], 'auth.failure');
  assert.deepEqual(JSON.parse(r.body), { event_type: 'auth.failure', timestamp: failure.timestamp, data: { event_type: 'auth.failure', timestamp: failure.timestamp, ...failure.data, correlation_id: failure.data.conn_id, auth_method: failure.data.method } });
  // Without a secret nothing claims to be signed.
  const rx2 = await receiver(t);
  const d2 = createWebhookDispatcher({ webhooks: [hook({ url: rx2.url })], clock: systemClock });
  t.after(() => d2.close());
  d2.dispatch(failure);
  await d2.idle();
  assert.equal(rx2.got[0]?.headers['x-signature-256'], undefined);
});

test('5xx and 429 are retried with the same delivery id; 4xx is not; retries stop at max_retries', async (t) => {
  const rx = await receiver(t, [500, 429, 200]);
  const d = createWebhookDispatcher({ webhooks: [hook({ url: rx.url, max_retries: 3 })], clock: systemClock });
  t.after(() => d.close());
  d.dispatch(failure);
  await d.idle();
  assert.equal(rx.got.length, 3);
  assert.equal(new Set(rx.got.map((r) => r.headers['x-sks5-delivery'])).size, 1);
  assert.deepEqual(d.stats(), { delivered: 1, failed: 0, dropped: 0, refused: 0, pending: 0 });

  const always = await receiver(t, [500, 500, 500, 500, 500]);
  const d2 = createWebhookDispatcher({ webhooks: [hook({ url: always.url, max_retries: 2 })], clock: systemClock });
  t.after(() => d2.close());
  d2.dispatch(failure);
  await d2.idle();
  assert.equal(always.got.length, 3, 'one try plus two retries');
  assert.equal(d2.stats().failed, 1);

  const bad = await receiver(t, [400, 200]);
  const d3 = createWebhookDispatcher({ webhooks: [hook({ url: bad.url, max_retries: 3 })], clock: systemClock });
  t.after(() => d3.close());
  d3.dispatch(failure);
  await d3.idle();
  assert.equal(bad.got.length, 1);

  const dead = createWebhookDispatcher({ webhooks: [hook({ url: 'http://127.0.0.1:1/hook', max_retries: 1 })], clock: systemClock });
  t.after(() => dead.close());
  dead.dispatch(failure);
  await dead.idle();
  assert.equal(dead.stats().failed, 1, 'a refused connection is retried, then counted as failed');

  const invalid = createWebhookDispatcher({ webhooks: [hook({ url: 'http://' })], clock: systemClock });
  t.after(() => invalid.close());
  invalid.dispatch(failure);
  await invalid.idle();
  assert.equal(invalid.stats().refused, 1, 'an unusable URL is not retried');
});

test('Slack, Discord and custom template payloads', async (t) => {
  const rx = await receiver(t);
  const d = createWebhookDispatcher({
    clock: systemClock,
    webhooks: [
      hook({ url: `${rx.url}/slack`, format: 'slack' }),
      hook({ url: `${rx.url}/discord`, format: 'discord' }),
      hook({ url: `${rx.url}/custom`, format: 'custom', template: '{"kind":"{event_type}","who":"{username}","to":"{target_host}","s":"{summary}","raw":{data_json}}' }),
    ],
  });
  t.after(() => d.close());
  d.dispatch(proxy);
  await d.idle();
  const by = (p: string) => JSON.parse(rx.got.find((r) => r.path.endsWith(p))?.body ?? 'null');
  const slack = by('/slack');
  assert.match(slack.text, /\[sks5\] proxy\.complete: alice closed example\.com:443/);
  assert.deepEqual(slack.blocks.map((b: { type: string }) => b.type), ['header', 'section', 'context']);
  assert.equal(slack.blocks[2].elements[0].text, `sks5 | ${proxy.timestamp}`);
  const discord = by('/discord');
  const embed = discord.embeds[0];
  assert.equal(embed.title, 'proxy.complete');
  assert.equal(embed.footer.text, 'sks5');
  assert.equal(embed.timestamp, proxy.timestamp);
  assert.equal(typeof embed.color, 'number');
  assert.deepEqual(embed.fields.map((f: { name: string; value: string }) => [f.name, f.value]), [['User', 'alice'], ['IP', '198.51.100.4'], ['Target', 'example.com:443']]);
  const custom = by('/custom');
  assert.deepEqual(custom, { kind: 'proxy.complete', who: 'alice', to: 'example.com', s: 'alice closed example.com:443 (10 bytes up, 20 down)', raw: { ...proxy.data, correlation_id: proxy.data.conn_id, bytes_uploaded: 10, bytes_downloaded: 20, bytes_transferred: 30 } });
});

test('private receivers are refused unless allow_private_ips; the checked address is the one connected to', async (t) => {
  const rx = await receiver(t);
  const refused = createWebhookDispatcher({ webhooks: [hook({ url: rx.url, allow_private_ips: false })], clock: systemClock });
  t.after(() => refused.close());
  refused.dispatch(failure);
  await refused.idle();
  assert.equal(rx.got.length, 0, 'nothing reached 127.0.0.1');
  assert.equal(refused.stats().refused, 1);

  // A name that resolves to a public and a private address is refused as a whole.
  const mixed = createWebhookDispatcher({
    webhooks: [hook({ url: `http://hooks.example.test:${rx.port}/hook`, allow_private_ips: false })], clock: systemClock,
    resolve: async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }],
  });
  t.after(() => mixed.close());
  mixed.dispatch(failure);
  await mixed.idle();
  assert.equal(mixed.stats().refused, 1);

  // The name is resolved once by us and the connection goes to that address: the HTTP client
  // never resolves `hooks.example.test` itself (it would fail: the name does not exist).
  let lookups = 0;
  const pinned = createWebhookDispatcher({
    webhooks: [hook({ url: `http://hooks.example.test:${rx.port}/hook`, allow_private_ips: false })], clock: systemClock,
    resolve: async () => { lookups += 1; return [{ address: '127.0.0.1', family: 4 }]; },
    isForbidden: (ip) => ip !== '127.0.0.1',
  });
  t.after(() => pinned.close());
  pinned.dispatch(failure);
  await pinned.idle();
  assert.equal(lookups, 1);
  assert.equal(rx.got.length, 1);
  assert.equal(rx.got[0]?.headers.host, `hooks.example.test:${rx.port}`, 'the Host header still names the host');
});

test('event filters accept dotted names, underscore names, the legacy names and ban = ban.*', async (t) => {
  const rx = await receiver(t);
  const bus = new EventBus();
  const warnings: unknown[] = [];
  const d = createWebhookDispatcher({
    clock: systemClock, events: bus, log: { warn: (o) => warnings.push(o) },
    webhooks: [
      hook({ url: `${rx.url}/dotted`, events: ['auth.failure'] }),
      hook({ url: `${rx.url}/underscore`, events: ['auth_failure', 'auth_success'] }),
      hook({ url: `${rx.url}/legacy`, events: ['connection_open', 'connection_close', 'ban'] }),
      hook({ url: `${rx.url}/all`, events: [] }),
      hook({ url: `${rx.url}/typo`, events: ['auth_failures'] }),
    ],
  });
  t.after(() => d.close());
  const base = { source_ip: '192.0.2.1', protocol: 'ssh' as const, conn_id: 'c' };
  bus.emit('auth.failure', { ...base, username: 'x', method: 'password', reason: 'r' });
  bus.emit('auth.success', { ...base, username: 'x', method: 'password' });
  bus.emit('connection.new', { ...base, source_port: 1 });
  bus.emit('connection.closed', { ...base, duration_ms: 5 });
  bus.emit('ban.created', { ip: '192.0.2.1', duration_secs: 60, reason: 'r' });
  bus.emit('ban.removed', { ip: '192.0.2.1', by: 'api' });
  await d.idle();
  const types = (p: string) => rx.got.filter((r) => r.path.endsWith(p)).map((r) => r.headers['x-sks5-event']).sort();
  assert.deepEqual(types('/dotted'), ['auth.failure']);
  assert.deepEqual(types('/underscore'), ['auth.failure', 'auth.success']);
  assert.deepEqual(types('/legacy'), ['ban.created', 'ban.removed', 'connection.closed', 'connection.new']);
  assert.equal(types('/all').length, 6);
  assert.deepEqual(types('/typo'), []);
  assert.equal(warnings.length, 1, 'the unknown filter name is reported once, at startup');
  assert.doesNotMatch(JSON.stringify(warnings), /\/typo/, 'logged URLs are reduced to their origin');
});

test('the queue is bounded: deliveries beyond maxPending are dropped and counted', async (t) => {
  const held: Array<() => void> = [];
  const server = createServer((req, res) => { req.resume(); held.push(() => res.end()); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { for (const h of held) h(); server.closeAllConnections(); return new Promise<void>((r) => server.close(() => r())); });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const d = createWebhookDispatcher({ webhooks: [hook({ url })], clock: systemClock, maxPending: 2, maxConcurrent: 1 });
  t.after(() => d.close());
  for (let i = 0; i < 5; i += 1) d.dispatch(failure);
  assert.deepEqual({ dropped: d.stats().dropped, pending: d.stats().pending }, { dropped: 3, pending: 2 });
  for (let i = 0; i < 50 && held.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
  for (const h of held.splice(0)) h();
  for (let i = 0; i < 50 && held.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
  for (const h of held.splice(0)) h();
  await d.idle();
  assert.equal(d.stats().delivered, 2);
});
