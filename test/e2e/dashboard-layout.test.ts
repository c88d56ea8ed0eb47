/**
 * The dashboard's layout in Debian's Chromium (playwright-core) with realistic data (long user
 * names and targets, live tunnels, bans, quotas, SSH fingerprints), at 1400x1000 and 800x1000, dark
 * and light: nothing scrolls sideways (not the page, not a table), every action button (kick,
 * unban, quota reset, fingerprint approve/block) lies inside the visible area of its table, and the
 * user modal shows quotas in the same units as the tables. With DASHBOARD_SCREENSHOTS=<dir> the
 * screenshots are kept there, to be looked at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { Client } from 'ssh2';
import { startHttpTarget, startSks5, testHash, withApiToml } from '../helpers/sks5-process.js';
import { socksConnect } from '../helpers/socks-client.js';

const TOKEN = 'dashboard-layout-token-0123456789';
const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 20_000;
const SIZES = [{ width: 1400, height: 1000 }, { width: 800, height: 1000 }] as const;
const LONG_USER = 'contractor-with-a-long-name';

function sshLogin(port: number, user: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    const timer = setTimeout(() => { c.end(); reject(new Error('ssh handshake timed out')); }, WAIT_MS);
    c.on('ready', () => { clearTimeout(timer); c.end(); resolve(); });
    c.on('error', (e) => { clearTimeout(timer); reject(e); });
    c.connect({ host: '127.0.0.1', port, username: user, password: 'secret', readyTimeout: WAIT_MS });
  });
}

interface Overflow { what: string; scrollWidth: number; clientWidth: number }
interface Hidden { what: string; left: number; right: number; visibleLeft: number; visibleRight: number }

/** Everything that would need a horizontal scroll, and every action button outside its visible box. */
async function layoutProblems(page: Page): Promise<{ overflow: Overflow[]; hidden: Hidden[]; buttons: number }> {
  // A function, not a string: the page's CSP forbids eval. Compiled without DOM types, hence `any`.
  return page.evaluate(() => {
    const d = (globalThis as any).document;
    const w = globalThis as any;
    const overflow: Overflow[] = [];
    const root = d.documentElement;
    if (root.scrollWidth > w.innerWidth) overflow.push({ what: 'page', scrollWidth: root.scrollWidth, clientWidth: w.innerWidth });
    for (const el of d.querySelectorAll('.scroll')) {
      if (el.scrollWidth > el.clientWidth + 1) overflow.push({ what: el.closest('section')?.querySelector('h2')?.textContent ?? 'table', scrollWidth: el.scrollWidth, clientWidth: el.clientWidth });
    }
    const hidden: Hidden[] = [];
    const buttons = [...d.querySelectorAll('tbody td.actions button')];
    for (const b of buttons) {
      const r = b.getBoundingClientRect();
      const box = b.closest('.scroll').getBoundingClientRect();
      const visibleLeft = Math.max(0, box.left);
      const visibleRight = Math.min(w.innerWidth, box.right);
      if (r.width === 0 || r.left < visibleLeft - 0.5 || r.right > visibleRight + 0.5) {
        hidden.push({ what: `${b.textContent} in ${b.closest('section')?.querySelector('h2')?.textContent}`, left: r.left, right: r.right, visibleLeft, visibleRight });
      }
    }
    return { overflow, hidden, buttons: buttons.length };
  });
}

test('dashboard layout at 1400 and 800 px, dark and light: no sideways scroll, every action button visible', async (t) => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
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
name = "operations-team"
[[users]]
username = "alice"
password_hash = "${hash}"
group = "operations-team"
[users.quotas]
daily_bandwidth_bytes = 1073741824
monthly_bandwidth_bytes = 32212254720
bandwidth_per_hour_bytes = 104857600
daily_connection_limit = 500
[[users]]
username = "${LONG_USER}"
password_hash = "${hash}"
group = "operations-team"
[[users]]
username = "bob"
password_hash = "${hash}"
`, { expect: ['socks5', 'ssh', 'api'] });
  const base = `http://127.0.0.1:${srv.api!.port}`;
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return res.json();
  };

  // Data as a busy server has it: tunnels with traffic, bans, fingerprints, quota counters.
  await sshLogin(srv.ssh!.port, 'alice');
  await sshLogin(srv.ssh!.port, 'bob');
  await api('POST', '/api/restore', {
    version: 1, bans: [{ ip: '203.0.113.7', remaining_secs: 600 }, { ip: '2001:db8:1234:5678:9abc:def0:1234:5678', remaining_secs: 86_000 }],
    quotas: { alice: { daily_bytes: 734_003_200, daily_connections: 42, monthly_bytes: 12_884_901_888, monthly_connections: 900, total_bytes: 98_784_247_808 } },
  });
  const tunnels: Awaited<ReturnType<typeof socksConnect>>[] = [];
  for (const [user, host] of [['alice', '127.0.0.1'], [LONG_USER, 'localhost'], ['bob', '127.0.0.1']] as const) {
    const tunnel = await socksConnect(srv.socks5!, user, 'secret', host, tport);
    assert.equal(tunnel.reply, 0);
    tunnel.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    tunnels.push(tunnel);
  }
  t.after(() => { for (const x of tunnels) x.socket.destroy(); });
  // Traffic (bob's tunnel; alice's counters stay as restored) while the pages sample throughput, so
  // the sparkline has a shape: a bounded pump.
  let pumped = 0;
  const pump = setInterval(() => {
    if (++pumped > 600) { clearInterval(pump); return; }
    tunnels[2]?.socket.write(`GET /${'x'.repeat(1000 + (pumped % 7) * 1500)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  }, 100);
  t.after(() => clearInterval(pump));

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
  t.after(() => browser.close());
  const keep = process.env['DASHBOARD_SCREENSHOTS'];
  if (keep) mkdirSync(keep, { recursive: true });

  for (const size of SIZES) {
    for (const theme of ['dark', 'light'] as const) {
      await t.test(`${size.width}x${size.height} ${theme}`, async () => {
        const context = await browser.newContext({ viewport: size, colorScheme: theme });
        t.after(() => context.close());
        const page = await context.newPage();
        page.setDefaultTimeout(WAIT_MS);
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${base}/dashboard#token=${TOKEN}`);
        await page.locator('#conn-state[data-state="live"]').waitFor();
        if ((await page.locator('html').getAttribute('data-theme')) !== theme) await page.locator('#theme-toggle').click();
        assert.equal(await page.locator('html').getAttribute('data-theme'), theme);
        await page.locator('#sessions-body tr[data-key^="s"]').nth(2).waitFor();
        await page.locator('#fp-body td.actions button').first().waitFor();
        await page.locator('#bans-body tr[data-key="203.0.113.7"]').waitFor();
        // Two snapshots make the first throughput sample: the sparkline and its scale are drawn.
        await page.locator('#sparkline-span').filter({ hasText: /^last ([3-9]|\d{2,})/ }).waitFor();
        const name = `dashboard-${size.width}-${theme}`;
        await page.screenshot({ path: join(srv.dir, `${name}.png`), fullPage: true });
        if (keep) copyFileSync(join(srv.dir, `${name}.png`), join(keep, `${name}.png`));

        const p = await layoutProblems(page);
        assert.deepEqual(p.overflow, [], 'nothing scrolls sideways');
        assert.deepEqual(p.hidden, [], 'every action button inside the visible area of its table');
        for (const [sel, label] of [['#sessions-body', 'Kick'], ['#bans-body', 'Unban'], ['#quotas-body', 'Reset'], ['#fp-body', 'Approve'], ['#fp-body', 'Block']] as const) {
          assert.ok(await page.locator(`${sel} td.actions button`, { hasText: label }).count() > 0, `${label} in ${sel}`);
        }
        assert.ok(p.buttons >= 8, `action buttons found: ${p.buttons}`);

        // The user modal: quotas in the same human units as the quota table.
        await page.locator('#users-body tr[data-key="alice"] button', { hasText: 'Details' }).click();
        const modal = page.locator('#user-modal');
        await modal.locator('.modal-body section').first().waitFor();
        await page.screenshot({ path: join(srv.dir, `${name}-modal.png`) });
        if (keep) copyFileSync(join(srv.dir, `${name}-modal.png`), join(keep, `${name}-modal.png`));
        const body = (await modal.textContent()) ?? '';
        // The same words as the Quota usage table's "Today" cell for alice.
        const today = ((await page.locator('#quotas-body tr[data-key="alice"] td').nth(2).textContent()) ?? '').trim();
        assert.equal(today, '700.0 MiB / 1.00 GiB');
        assert.ok(body.includes(`Today${today}`), body);
        assert.ok(body.includes('This month12.0 GiB / 30.0 GiB'), body);
        assert.doesNotMatch(body, /734003200|1073741824/, 'no raw byte counts');
        const modalOverflow = await page.evaluate(() => {
          const m = (globalThis as any).document.querySelector('#user-modal .modal-body');
          return m.scrollWidth - m.clientWidth;
        });
        assert.ok(modalOverflow <= 1, `the modal scrolls sideways by ${modalOverflow}px`);
        await modal.locator('#user-modal-close').click();
        assert.deepEqual(errors, []);
      });
    }
  }
});
