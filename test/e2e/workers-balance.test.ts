/**
 * How `[server] workers = 2` spreads connections. least_connections (the default): the primary
 * accepts and hands each connection to the worker with the fewest open, so four users arriving
 * together are two and two (node:cluster's round robin split them 3/1 in about a third of the
 * trials measured); a connection handed over keeps the door's half-close. round_robin: the
 * workers share the sockets through node:cluster, both still serve. kernel: each worker accepts from
 * the shared listening socket itself (no hand-over by the primary). Real curl, real sockets.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Sks5Process } from '../helpers/sks5-process.js';
import { authWorkers, holdersOfListener, startWorkers, workerPids, workersToml } from '../helpers/workers.js';
import { api, curl, holdingTarget, until } from '../helpers/cluster-nodes.js';
import { socksConnect } from '../helpers/socks-client.js';

function hold(srv: Sks5Process, url: string, t: TestContext): Promise<number | null> {
  const c = spawn('curl', ['-sS', '-o', '/dev/null', '--max-time', '60', '--socks5', `alice:secret@127.0.0.1:${srv.socks5!.port}`, url], { stdio: 'ignore' });
  t.after(() => { if (c.exitCode === null) c.kill('SIGKILL'); });
  return new Promise((r) => c.once('exit', (code) => r(code)));
}

const sessionNodes = async (srv: Sks5Process): Promise<string[]> =>
  ((await api(srv, '/api/sessions')).body.data as Array<{ node: string }>).map((s) => s.node.slice(-2)).sort();

test('least_connections: four tunnels opened together land two on each worker, round after round', async (t) => {
  const { base } = await holdingTarget(t);
  const srv = await startWorkers(t, await workersToml());
  assert.ok(srv.logs.some((l) => l.distribution === 'least_connections'), 'the primary says how it distributes');
  assert.deepEqual(holdersOfListener(srv.socks5!.port, [...workerPids(srv).values()]), [], 'the primary alone holds the SOCKS5 listening socket');
  for (let round = 1; round <= 3; round++) {
    const held = Array.from({ length: 4 }, () => hold(srv, `${base}/hold`, t));
    await until(async () => (await sessionNodes(srv)).length === 4, 10_000, `round ${round}: four tunnels listed`);
    assert.deepEqual(await sessionNodes(srv), ['w1', 'w1', 'w2', 'w2'], `round ${round}: two tunnels on each worker`);
    assert.equal((await api(srv, '/api/kick/alice', { method: 'POST' })).status, 200);
    await Promise.all(held);
    await until(async () => (await sessionNodes(srv)).length === 0, 5000, `round ${round}: all closed`);
    // The workers' close reports (batched every 20 ms) bring both counts back to zero.
    await new Promise((r) => setTimeout(r, 100));
  }
});

test('a connection handed over by the primary keeps SOCKS5 half-close: the client ends its side and still reads the answer', async (t) => {
  // A target that answers only once the client has finished sending (like a request / response over a half-closed socket).
  const target = createServer({ allowHalfOpen: true }, (s) => {
    let n = 0;
    s.on('data', (d: Buffer) => { n += d.length; });
    s.on('end', () => s.end(`got ${n} bytes`));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  t.after(() => target.close());
  const port = (target.address() as { port: number }).port;
  const srv = await startWorkers(t, await workersToml());
  for (let i = 0; i < 2; i++) {
    const r = await socksConnect({ host: '127.0.0.1', port: srv.socks5!.port }, 'alice', 'secret', '127.0.0.1', port);
    assert.equal(r.reply, 0, 'CONNECT succeeded');
    const answer = new Promise<string>((resolve, reject) => {
      let text = '';
      r.socket.on('data', (d: Buffer) => { text += d.toString(); });
      r.socket.on('end', () => resolve(text));
      r.socket.on('error', reject);
    });
    r.socket.resume();
    r.socket.end('x'.repeat(1000));
    assert.equal(await answer, 'got 1000 bytes', `connection ${i + 1}: the answer after our FIN arrived`);
  }
  const workers = authWorkers(srv);
  assert.deepEqual([...new Set(workers)].sort(), [1, 2], 'one connection on each worker');
});

test('round_robin: the workers share the sockets through node:cluster and both serve', async (t) => {
  const { base } = await holdingTarget(t);
  const srv = await startWorkers(t, await workersToml().then((toml) => toml.replace('workers = 2', 'workers = 2\nworker_distribution = "round_robin"')));
  assert.ok(srv.logs.some((l) => l.distribution === 'round_robin'));
  for (let i = 0; i < 6; i++) assert.equal(await curl(srv, 'secret', `${base}/`, '127.0.0.1'), 0);
  const workers = authWorkers(srv);
  assert.ok(workers.includes(1) && workers.includes(2), `connections reached both workers (${workers.join(',')})`);
});

test('kernel: every worker accepts from the shared listening socket; a burst of connections reaches both and each tunnel works', async (t) => {
  const target = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  t.after(() => target.close());
  const port = (target.address() as { port: number }).port;
  const srv = await startWorkers(t, await workersToml().then((toml) => toml.replace('workers = 2', 'workers = 2\nworker_distribution = "kernel"')));
  assert.ok(srv.logs.some((l) => l.distribution === 'kernel'), 'the primary says how it distributes');
  const workers = [...workerPids(srv).values()];
  assert.equal(workers.length, 2);
  assert.deepEqual(holdersOfListener(srv.socks5!.port, workers).sort(), [...workers].sort(), 'each worker holds the SOCKS5 listening socket');
  // The kernel wakes whichever worker waits: one burst may all go to one; a few bursts reach both.
  for (let burst = 1; burst <= 5 && new Set(authWorkers(srv)).size < 2; burst++) {
    const tunnels = await Promise.all(Array.from({ length: 16 }, () => socksConnect({ host: '127.0.0.1', port: srv.socks5!.port }, 'alice', 'secret', '127.0.0.1', port)));
    for (const [i, r] of tunnels.entries()) {
      assert.equal(r.reply, 0, `burst ${burst}, tunnel ${i + 1}: CONNECT succeeded`);
      const echoed = new Promise<string>((resolve) => r.socket.once('data', (d: Buffer) => resolve(d.toString())));
      r.socket.resume();
      r.socket.write(`ping ${i}`);
      assert.equal(await echoed, `ping ${i}`, `burst ${burst}, tunnel ${i + 1}: echoed through the worker that accepted it`);
    }
    for (const r of tunnels) r.socket.destroy();
  }
  assert.deepEqual([...new Set(authWorkers(srv))].sort(), [1, 2], 'both workers accepted connections');
});
