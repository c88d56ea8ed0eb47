/**
 * The web dashboard in a real browser (Debian's Chromium driven by playwright-core, never a
 * downloaded one) against the built CLI: the token comes from the URL fragment and leaves the
 * address bar, the cards show the server's values, a SOCKS5 tunnel and an SSH client appear
 * live, kick / unban / maintenance / fingerprint approval work through the buttons, attacker-
 * chosen text stays text, WebSocket falls back to SSE, a wrong token is refused with a clear
 * message, and the CSP lets the page run without a single console error.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Client } from 'ssh2';
import { startHttpTarget, startSks5, testHash, withApiToml } from '../helpers/sks5-process.js';
import { socksConnect } from '../helpers/socks-client.js';

const TOKEN = 'dashboard-token-0123456789abcdef';
const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 15_000;

async function launch(t: TestContext): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
  t.after(() => browser.close());
  return browser;
}

/** A page whose console errors and uncaught exceptions are collected for the final assertion. */
async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => { void d.accept(); });
  return { page, errors };
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).textContent()) ?? '';
}

/**
 * Waits until the element's text equals `expected` (or matches it). A function, not a string: the
 * page's CSP forbids eval, which Playwright would use for a string predicate. The test is compiled
 * without DOM types, hence `globalThis`.
 */
async function waitText(page: Page, selector: string, expected: string | RegExp): Promise<void> {
  const want = typeof expected === 'string' ? { sel: selector, s: expected } : { sel: selector, re: expected.source };
  await page.waitForFunction((w: { sel: string; s?: string; re?: string }) => {
    const t: string = (globalThis as any).document.querySelector(w.sel)?.textContent ?? '';
    return w.re !== undefined ? new RegExp(w.re).test(t) : t === w.s;
  }, want, { timeout: WAIT_MS });
}

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${WAIT_MS} ms`)), WAIT_MS); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function sshHandshake(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const c = new Client();
    const timer = setTimeout(() => { c.end(); reject(new Error('ssh handshake timed out')); }, WAIT_MS);
    c.on('ready', () => { clearTimeout(timer); c.end(); resolve(); });
    c.on('error', (e) => { clearTimeout(timer); reject(e); });
    c.connect({ host: '127.0.0.1', port, username: 'alice', password: 'secret', readyTimeout: WAIT_MS });
  });
}

test('the dashboard in Chromium against a live server', async (t) => {
  const tport = await startHttpTarget(t);
  const hash = await testHash('secret');
  const srv = await startSks5(t, `
${withApiToml(TOKEN)}
[security]
ip_guard_enabled = false
ban_enabled = false
[persistence]
data_dir = "data"
[[groups]]
name = "ops"
[[users]]
username = "alice"
password_hash = "${hash}"
group = "ops"
[[users]]
username = "bob"
password_hash = "${hash}"
`, { expect: ['socks5', 'ssh', 'api'] });
  const base = `http://127.0.0.1:${srv.api!.port}`;
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return res.json();
  };
  /** Maintenance switched on and off through the API; the page must show both changes live. */
  const maintenanceRoundTrip = async (page: Page): Promise<void> => {
    await api('POST', '/api/maintenance', { enabled: true });
    await waitText(page, '#stat-maintenance', 'ON');
    await api('POST', '/api/maintenance', { enabled: false });
    await waitText(page, '#stat-maintenance', 'off');
  };
  const browser = await launch(t);

  await t.test('a wrong token is refused with a clear message', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${base}/dashboard#token=wrong-token-0123456789abcdef`);
    await page.locator('#login-error').waitFor({ state: 'visible' });
    assert.match(await text(page, '#login-error'), /refused this token \(401 unauthorized\)/);
    assert.ok(!page.url().includes('token'), `the token left the address bar: ${page.url()}`);
    assert.equal(await page.evaluate<number>('sessionStorage.length'), 0, 'a refused token is not kept');
    assert.equal(await page.locator('#app').isHidden(), true);
    // The refused request is the only thing the browser may complain about.
    assert.deepEqual(errors.filter((e) => !/status of 401/.test(e)), []);
    await page.context().close();
  });

  const { page, errors } = await openPage(browser);

  await t.test('the token from the fragment signs in, leaves the URL and the cards show real values', async () => {
    await page.goto(`${base}/dashboard#token=${TOKEN}`);
    await waitText(page, '#conn-state', 'live: WebSocket');
    assert.equal(page.url(), `${base}/dashboard`, 'fragment removed by history.replaceState');
    assert.equal(await page.evaluate<string | null>("sessionStorage.getItem('sks5.dashboard.token')"), TOKEN);
    const status = (await api('GET', '/api/status')).data;
    assert.equal(await text(page, '#stat-users'), String(status.total_users));
    assert.equal(await text(page, '#stat-users'), '2');
    assert.equal(await text(page, '#stat-active'), '0');
    assert.equal(await text(page, '#stat-bans'), '0');
    assert.equal(await text(page, '#stat-maintenance'), 'off');
    assert.match(await text(page, '#stat-uptime'), /^\d+[smhd]/);
    await page.locator('#users-body tr[data-key="alice"]').waitFor();
    await page.locator('#groups-body tr[data-key="ops"]').waitFor();
    await page.locator('#quotas-body tr[data-key="bob"]').waitFor();
    assert.equal(await page.locator('#cluster-panel').isHidden(), true, 'no cluster panel without [cluster]');
    const event = await page.locator('#events-list li').first().elementHandle({ timeout: 1 }).catch(() => null);
    if (event) assert.equal(await event.$('.node'), null, 'events name no node without [cluster]');
  });

  await t.test('a SOCKS5 tunnel appears live, and Kick closes it', async () => {
    const tunnel = await socksConnect(srv.socks5!, 'alice', 'secret', '127.0.0.1', tport);
    t.after(() => tunnel.socket.destroy());
    assert.equal(tunnel.reply, 0);
    tunnel.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitText(page, '#stat-active', '1');
    const row = page.locator('#sessions-body tr[data-key^="s"]');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', new RegExp(`alice127\\.0\\.0\\.1:${tport}`));
    await page.locator('#events-list li[data-type="proxy.start"]').first().waitFor();
    await page.locator('#users-body tr[data-key="alice"] td:nth-child(3)').filter({ hasText: /^1$/ }).waitFor();
    await page.screenshot({ path: join(srv.dir, 'dashboard.png'), fullPage: true });
    if (process.env['DASHBOARD_SCREENSHOT']) copyFileSync(join(srv.dir, 'dashboard.png'), process.env['DASHBOARD_SCREENSHOT']);

    await row.getByRole('button', { name: 'Kick' }).click();
    await waitText(page, '#stat-active', '0');
    await page.locator('#sessions-body tr.empty').waitFor();
    tunnel.socket.resume();
    if (!tunnel.socket.destroyed) await within(once(tunnel.socket, 'close'), 'the kick never closed the tunnel');
    assert.equal((await api('GET', '/api/sessions')).data.length, 0);
  });

  await t.test('a ban made elsewhere shows up live and Unban lifts it', async () => {
    const restored = await api('POST', '/api/restore', { version: 1, bans: [{ ip: '203.0.113.7', remaining_secs: 600 }], quotas: {} });
    assert.equal(restored.data.restored_bans, 1);
    const row = page.locator('#bans-body tr[data-key="203.0.113.7"]');
    await row.waitFor();
    await waitText(page, '#stat-bans', '1');
    await row.getByRole('button', { name: 'Unban' }).click();
    await row.waitFor({ state: 'detached' });
    await waitText(page, '#stat-bans', '0');
    assert.deepEqual((await api('GET', '/api/bans')).data, []);
  });

  await t.test('maintenance: the button toggles it, and a change made elsewhere arrives without reload', async () => {
    await page.locator('#maintenance-toggle').click();
    await waitText(page, '#stat-maintenance', 'ON');
    assert.equal((await api('GET', '/api/status')).data.maintenance, true);
    await api('POST', '/api/maintenance', { enabled: false });
    await waitText(page, '#stat-maintenance', 'off');
    await waitText(page, '#maintenance-toggle', 'Enable maintenance');
  });

  await t.test('attacker-chosen text in events is shown as text', async () => {
    const evil = '<img src=x id=pwned onerror="document.title=1">';
    const r = await socksConnect(srv.socks5!, evil, 'nope', '127.0.0.1', tport);
    r.socket.destroy();
    assert.notEqual(r.authStatus, 0);
    const li = page.locator('#events-list li[data-type="auth.failure"]').first();
    await li.waitFor();
    assert.ok(((await li.textContent()) ?? '').includes(evil));
    assert.equal(await page.locator('#pwned').count(), 0);
    assert.equal(await page.title(), 'sks5 Dashboard');
    assert.equal(await page.textContent('header h1'), 'sks5 Dashboard');
  });

  await t.test('user details open in a modal', async () => {
    await page.locator('#users-body tr[data-key="alice"]').getByRole('button', { name: 'Details' }).click();
    await page.locator('#user-modal[open]').waitFor();
    assert.equal(await text(page, '#user-modal-title'), 'alice');
    const body = await text(page, '#user-modal-body');
    for (const heading of ['Identity', 'Authentication', 'Network and limits', 'ACL', 'Quotas', 'Live']) assert.ok(body.includes(heading), heading);
    assert.match(body, /Groupops/);
    assert.ok(!body.includes('argon2'), 'no password hash');
    await page.locator('#user-modal-close').click();
    await page.locator('#user-modal[open]').waitFor({ state: 'detached' });
  });

  await t.test('an SSH client fingerprint appears live and can be approved then blocked', async () => {
    await sshHandshake(srv.ssh!.port);
    const row = page.locator('#fp-body tr[data-key]').first();
    await row.waitFor();
    const fp = (await row.getAttribute('data-key'))!;
    assert.match(fp, /^[0-9a-f]{32}$/);
    await waitText(page, `#fp-body tr[data-key="${fp}"] td:nth-child(2)`, 'pending');
    await row.getByRole('button', { name: 'Approve' }).click();
    await waitText(page, `#fp-body tr[data-key="${fp}"] td:nth-child(2)`, 'approved');
    assert.equal((await api('GET', '/api/fingerprints')).data[0].status, 'approved');
    await row.getByRole('button', { name: 'Block' }).click();
    await waitText(page, `#fp-body tr[data-key="${fp}"] td:nth-child(2)`, 'blocked');
    assert.equal((await api('GET', '/api/fingerprints')).data[0].status, 'blocked');
  });

  await t.test('reload, broadcast and the theme toggle', async () => {
    await page.locator('#reload').click();
    await waitText(page, '#reload-result', 'reloaded: 2 user(s)');
    await page.locator('#broadcast-message').fill('back in 5 minutes');
    await page.locator('#broadcast-form button[type="submit"]').click();
    await page.locator('.toast', { hasText: /^broadcast delivered to \d+ shell\(s\)$/ }).waitFor();
    const before = await page.evaluate<string | undefined>('document.documentElement.dataset.theme');
    await page.locator('#theme-toggle').click();
    const after = await page.evaluate<string | undefined>('document.documentElement.dataset.theme');
    assert.notEqual(after, before);
    assert.ok(after === 'light' || after === 'dark');
  });

  await t.test('sign out forgets the token; a reload of the page keeps the tab signed in', async () => {
    await page.reload();
    await waitText(page, '#conn-state', 'live: WebSocket');
    await page.locator('#logout').click();
    await page.locator('#login').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate<number>('sessionStorage.length'), 0);
    await page.locator('#login-token').fill(TOKEN);
    await page.locator('#login-form button[type="submit"]').click();
    await waitText(page, '#conn-state', 'live: WebSocket');
    assert.equal(page.url(), `${base}/dashboard`);
  });

  await t.test('the page ran without a console error or exception (CSP included)', () => {
    assert.deepEqual(errors, []);
  });

  await t.test('a dropped feed reconnects by itself with a fresh single-use ticket', async () => {
    const p = await openPage(browser);
    let sockets = 0;
    let reconnected!: () => void;
    const secondSocket = new Promise<void>((r) => { reconnected = r; });
    // The first socket is cut by the "network" right after the server's first frame.
    await p.page.routeWebSocket(/\/api\/ws/, (ws) => {
      const n = ++sockets;
      const server = ws.connectToServer();
      if (n === 1) server.onMessage((m) => { ws.send(m); void ws.close({ code: 1012, reason: 'dropped by the test' }); });
      if (n === 2) reconnected();
    });
    const tickets: string[] = [];
    p.page.on('response', (r) => { if (r.url().endsWith('/api/sse-ticket')) void r.json().then((b: any) => tickets.push(b.data.ticket)); });
    await p.page.goto(`${base}/dashboard#token=${TOKEN}`);
    await within(secondSocket, 'the dashboard never reconnected');
    await waitText(p.page, '#conn-state', 'live: WebSocket');
    assert.equal(sockets, 2);
    assert.equal(new Set(tickets).size, tickets.length, 'every attempt used its own ticket');
    assert.ok(tickets.length >= 2);
    await maintenanceRoundTrip(p.page);
    assert.deepEqual(p.errors, []);
    await p.page.context().close();
  });

  await t.test('WebSocket refused: falls back to SSE, still live', async () => {
    const sse = await openPage(browser);
    await sse.page.routeWebSocket(/\/api\/ws/, (ws) => { void ws.close({ code: 1011, reason: 'no websockets here' }); });
    await sse.page.goto(`${base}/dashboard#token=${TOKEN}`);
    await waitText(sse.page, '#conn-state', 'live: SSE');
    await maintenanceRoundTrip(sse.page);
    assert.deepEqual(sse.errors, []);
    await sse.page.context().close();
  });
});
