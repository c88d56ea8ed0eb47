/**
 * The live event stream spans the cluster: a curl tunnel through node A shows in node B's SSE
 * stream (read by curl) as proxy.start/proxy.complete with node "node-a", and A's own WebSocket
 * feed names "node-a" too. No event crosses the state channel while no node has a live client
 * (read with redis-cli). Webhooks stay per node: A's tunnels are delivered by A's webhook only,
 * B's by B's, once each (the other node's events never enter a node's bus).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { WebSocket } from 'ws';
import { startRedis } from '../helpers/redis-server.js';
import { api, curlSse, download, holdingTarget, startNode, TOKEN, until, type FeedEvent } from '../helpers/cluster-nodes.js';

/** A webhook receiver: the event types of every delivery. */
async function hookReceiver(t: TestContext): Promise<{ url: string; got: string[] }> {
  const got: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => {
      const parsed = JSON.parse(body) as { event_type?: string; type?: string; event?: { type?: string } };
      got.push(parsed.event_type ?? parsed.type ?? parsed.event?.type ?? body);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, got };
}

const hookToml = (url: string): string => `[[webhooks]]
url = "${url}"
events = ["proxy.start"]
allow_private_ips = true
max_retries = 0
`;

test("B's SSE stream carries A's events with node \"node-a\"; webhooks fire once, on the node of the event", async (t) => {
  const redis = await startRedis(t);
  const target = await holdingTarget(t);
  const hookA = await hookReceiver(t);
  const hookB = await hookReceiver(t);
  const a = await startNode(t, 'node-a', redis.url, hookToml(hookA.url));
  const b = await startNode(t, 'node-b', redis.url, hookToml(hookB.url));
  await until(async () => (await api(b, '/api/cluster')).body.data.nodes.length === 2, 10_000, 'B sees A');

  // What crosses the state channel, as redis-cli sees it: no events while no node has a live client.
  let channel = '';
  const sub = spawn('redis-cli', ['-p', String(redis.port), 'subscribe', 'sks5:state'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => { if (sub.exitCode === null) sub.kill('SIGKILL'); });
  sub.stdout.setEncoding('utf8').on('data', (d: string) => { channel += d; });
  await until(async () => channel.includes('"t":"hb"'), 5000, 'redis-cli hears the heartbeats');
  assert.deepEqual(await download(a, `${target.base}/`), { code: 0, bytes: 2 });
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(channel, /"t":"ev"/, 'no events sent while nobody watches');

  const { seen: onB, open } = curlSse(t, b);
  const ws = new WebSocket(`ws://127.0.0.1:${a.api!.port}/api/ws`, { headers: { authorization: `Bearer ${TOKEN}` } });
  t.after(() => ws.terminate());
  const onA: FeedEvent[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as { type: string; event?: FeedEvent };
    if (m.type === 'event' && m.event) onA.push({ ...m.event, seenAt: performance.now() });
  });
  await new Promise<void>((r, j) => { ws.once('open', () => r()); ws.once('error', j); });
  await open; // a tunnel before the stream is open would be missed
  await until(async () => /"n":"node-b","c":\[\{"t":"watch","on":true\}\]/.test(channel), 2000, 'B tells the others it has a live client');

  assert.deepEqual(await download(a, `${target.base}/`), { code: 0, bytes: 2 });
  await until(async () => onB.some((e) => e.type === 'proxy.complete' && e.node === 'node-a'), 3000, "B's stream carries A's proxy.complete");
  const remoteStart = onB.find((e) => e.type === 'proxy.start' && e.node === 'node-a');
  assert.ok(remoteStart, "A's proxy.start on B's stream");
  assert.equal(remoteStart.data['username'], 'alice');
  assert.equal(remoteStart.data['target_port'], Number(new URL(target.base).port));
  await until(async () => onA.some((e) => e.type === 'proxy.start'), 2000, "A's own feed has the event");
  const localStart = onA.find((e) => e.type === 'proxy.start');
  assert.equal(localStart?.node, 'node-a', 'a local event names its node when clustered');
  assert.equal(localStart?.timestamp, remoteStart.timestamp, 'the same event, the same time');
  assert.deepEqual(remoteStart.data, localStart?.data, 'the same fields');
  t.diagnostic(`A's proxy.start reached B's SSE stream ${Math.round(remoteStart.seenAt - localStart!.seenAt)} ms after A's own feed`);

  assert.deepEqual(await download(b, `${target.base}/`), { code: 0, bytes: 2 });
  await until(async () => onB.some((e) => e.type === 'proxy.start' && e.node === 'node-b'), 3000, "B's own event on its stream");
  await until(async () => onA.some((e) => e.type === 'proxy.start' && e.node === 'node-b'), 3000, "B's event on A's WebSocket feed");

  await until(async () => hookA.got.length >= 2 && hookB.got.length >= 1, 5000, 'both webhooks delivered');
  await new Promise((r) => setTimeout(r, 1000)); // a duplicate would come within a flush or two
  assert.deepEqual(hookA.got, ['proxy.start', 'proxy.start'], "A's webhook: A's two tunnels only");
  assert.deepEqual(hookB.got, ['proxy.start'], "B's webhook: B's tunnel only");
  assert.equal(onB.filter((e) => e.type === 'proxy.start').length, 2, 'each event once on the stream (no echo)');
});
