/**
 * The dashboard's cluster panel in Debian's Chromium (playwright-core) against two nodes on a real
 * redis-server: node A's dashboard lists A (this node) and B with version, heartbeat age, sessions,
 * tunnels (a curl tunnel held through B shows on B's row) and Redis state; B's events show in A's
 * event log naming node-b; B killed with SIGKILL leaves the panel; Redis stopped turns A's row
 * degraded. The screenshot is kept in the node's directory (and in DASHBOARD_SCREENSHOTS=<dir>).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startRedis } from '../helpers/redis-server.js';
import { api, holdingTarget, startNode, TOKEN, until } from '../helpers/cluster-nodes.js';

const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 20_000;

test("A's dashboard lists both nodes with their heartbeat, sessions, tunnels and Redis state", async (t) => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
  const redis = await startRedis(t);
  const target = await holdingTarget(t);
  const a = await startNode(t, 'node-a', redis.url);
  const b = await startNode(t, 'node-b', redis.url);
  await until(async () => (await api(a, '/api/cluster')).body.data.nodes.length === 2, 10_000, 'A sees B');

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: 'dark' });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`http://127.0.0.1:${a.api!.port}/dashboard#token=${TOKEN}`);
  await page.locator('#conn-state[data-state="live"]').waitFor();
  // The tunnel opens once the page watches: the other nodes send events only while a node has a live client.
  await new Promise((r) => setTimeout(r, 300));
  const curl = spawn('curl', ['-sS', '-o', '/dev/null', '--max-time', '120', '--socks5', `alice:secret@127.0.0.1:${b.socks5!.port}`, `${target.base}/hold`], { stdio: 'ignore' });
  t.after(() => { if (curl.exitCode === null) curl.kill('SIGKILL'); });
  await until(async () => (await api(a, '/api/cluster')).body.data.nodes.some((n: { node: string; tunnels: number }) => n.node === 'node-b' && n.tunnels === 1), 5000, "A counts B's tunnel");

  const panel = page.locator('#cluster-panel');
  await panel.waitFor({ state: 'visible' });
  const rowA = page.locator('#cluster-body tr[data-key="node-a"]');
  const rowB = page.locator('#cluster-body tr[data-key="node-b"]');
  await rowB.waitFor();
  await rowB.locator('td').nth(4).filter({ hasText: /^1$/ }).waitFor(); // the next snapshot has B's tunnel
  // Session counts travel with B's heartbeat (every 1 s), tunnel counts at once: wait for the session too.
  await rowB.locator('td').nth(3).filter({ hasText: /^1$/ }).waitFor();
  const cells = async (row: typeof rowA): Promise<string[]> => (await row.locator('td').allTextContents()).map((s) => s.trim());
  const [nameA, versionA, ageA, , , redisA] = await cells(rowA);
  assert.equal(nameA, 'node-a (this node)');
  assert.match(versionA ?? '', /^\d+\.\d+\.\d+/);
  assert.equal(ageA, 'now');
  assert.equal(redisA, 'connected');
  const [nameB, versionB, ageB, sessionsB, tunnelsB, redisB] = await cells(rowB);
  assert.equal(nameB, 'node-b');
  assert.equal(versionB, versionA);
  assert.match(ageB ?? '', /^(\d+ ms|[0-4]\.\d s) ago$/, `a recent heartbeat: ${ageB}`);
  assert.equal(sessionsB, '1');
  assert.equal(tunnelsB, '1', "the curl tunnel held through B");
  assert.equal(redisB, 'connected');
  assert.equal(await page.locator('#cluster-count').textContent(), '2');
  // The tunnel's proxy.start happened on B: A's event log shows it with B's name.
  await page.locator('#events-list li[data-type="proxy.start"] .node', { hasText: 'node-b' }).first().waitFor();

  const shot = join(a.dir, 'dashboard-cluster.png');
  await page.screenshot({ path: shot, fullPage: true });
  const keep = process.env['DASHBOARD_SCREENSHOTS'];
  if (keep) { mkdirSync(keep, { recursive: true }); copyFileSync(shot, join(keep, 'dashboard-cluster.png')); }
  // At 800 px the panel still fits: nothing scrolls sideways, the Redis column is inside the panel.
  await page.setViewportSize({ width: 800, height: 1000 });
  const narrow = join(a.dir, 'dashboard-cluster-800.png');
  await page.screenshot({ path: narrow, fullPage: true });
  if (keep) copyFileSync(narrow, join(keep, 'dashboard-cluster-800.png'));
  const fit = await page.evaluate(() => {
    const d = (globalThis as any).document;
    const scroll = d.querySelector('#cluster-panel .scroll');
    const last = d.querySelector('#cluster-body tr[data-key="node-b"] td:last-child').getBoundingClientRect();
    const box = scroll.getBoundingClientRect();
    return { page: d.documentElement.scrollWidth - d.documentElement.clientWidth, table: scroll.scrollWidth - scroll.clientWidth, inside: last.right <= box.right + 1 };
  });
  assert.deepEqual(fit, { page: 0, table: 0, inside: true }, 'the cluster panel fits at 800 px');
  await page.setViewportSize({ width: 1400, height: 1000 });

  await b.stop('SIGKILL');
  await rowB.waitFor({ state: 'detached', timeout: 15_000 });
  assert.equal(await page.locator('#cluster-count').textContent(), '1');
  await redis.stop();
  await page.locator('#cluster-body tr[data-key="node-a"] td.state-bad', { hasText: 'degraded' }).waitFor({ timeout: 15_000 });
  assert.deepEqual(errors, []);
});
