/**
 * Browser code, part 2 of 4: rendering a status snapshot (the SSE/WS payload, or the same shape
 * built from REST calls) into cards and tables, the event log, and the throughput sparkline.
 * Rows are keyed and updated in place, so a snapshot every 2 s neither steals focus nor swallows
 * a click that lands between two renders.
 */
export const CLIENT_RENDER = String.raw`
const MAX_EVENTS = 200;
const SPARK_POINTS = 60;
/** @type {{ keys: Set<string>, list: HTMLElement[] }} */
const events = { keys: new Set(), list: [] };
/** @type {{ last: { at: number, total: number } | null, rates: number[], times: number[] }} */
const spark = { last: null, rates: [], times: [] };

/**
 * Reconciles tbody with items: one <tr data-key> per item, cells updated only when their text
 * changed, action buttons built once per row. A cell is a string or { text, ratio, className }.
 */
function syncTable(tbody, items, key, cells, actions, emptyText) {
  const existing = new Map();
  for (const tr of Array.from(tbody.children)) {
    if (tr.dataset.key === undefined) tr.remove(); else existing.set(tr.dataset.key, tr);
  }
  let prev = null;
  for (const item of items) {
    const k = String(key(item));
    const values = cells(item);
    let tr = existing.get(k);
    if (tr) {
      existing.delete(k);
    } else {
      tr = el('tr', { data: { key: k } });
      for (let i = 0; i < values.length; i++) tr.append(el('td'));
      if (actions) { const td = el('td', { className: 'actions' }); actions(item, td); tr.append(td); }
    }
    values.forEach((v, i) => fillCell(tr.children[i], v));
    const want = prev ? prev.nextSibling : tbody.firstChild;
    if (want !== tr) tbody.insertBefore(tr, want);
    prev = tr;
  }
  for (const tr of existing.values()) tr.remove();
  if (items.length === 0) {
    const cols = tbody.closest('table').querySelectorAll('thead th').length;
    const td = el('td', { text: emptyText });
    td.colSpan = cols;
    tbody.append(el('tr', { className: 'empty' }, [td]));
  }
}

function fillCell(td, v) {
  const cell = v !== null && typeof v === 'object' ? v : { text: v };
  const text = String(cell.text === undefined || cell.text === null ? '' : cell.text);
  if (cell.className !== undefined && td.className !== cell.className) td.className = cell.className;
  if (cell.ratio === undefined) {
    if (td.textContent !== text) td.textContent = text;
    return;
  }
  let bar = td.querySelector('progress');
  let label = td.querySelector('span');
  if (!bar || !label) { td.replaceChildren(); bar = el('progress'); bar.max = 1; label = el('span'); td.append(bar, label); }
  bar.value = Math.min(1, Math.max(0, cell.ratio));
  if (label.textContent !== text) label.textContent = text;
}

function ratioOf(used, limit) {
  return limit > 0 ? used / limit : undefined;
}

function applySnapshot(s) {
  if (!s || typeof s !== 'object') return;
  state.snapshot = s;
  $('app').classList.remove('stale');
  setText('stat-active', num(s.active_connections));
  setText('stat-bans', num(s.banned_count));
  setText('stat-users', num(s.total_users));
  setText('stat-uptime', fmtDuration(s.uptime_secs));
  renderMaintenance(s.maintenance === true);
  const users = Array.isArray(s.users) ? s.users : [];
  const conns = s.connections && typeof s.connections === 'object' ? s.connections : {};
  const quotas = Array.isArray(s.quotas) ? s.quotas : [];
  const quotaOf = new Map(quotas.map((q) => [q.username, q]));
  renderUsers(users, conns, quotaOf);
  renderBans(Array.isArray(s.bans) ? s.bans : []);
  renderSessions(s.sessions && Array.isArray(s.sessions.sessions) ? s.sessions.sessions : []);
  renderQuotas(quotas);
  renderGroups(Array.isArray(s.groups) ? s.groups : []);
  if (Array.isArray(s.recent_events)) for (const e of s.recent_events) addEvent(e);
  renderCluster(s.cluster);
  sampleThroughput(quotas);
}

/** The node list of GET /api/cluster; the panel stays hidden without a cluster. */
function renderCluster(c) {
  const panel = $('cluster-panel');
  const on = !!c && typeof c === 'object' && c.enabled === true && Array.isArray(c.nodes);
  panel.hidden = !on;
  if (!on) return;
  setText('cluster-count', c.nodes.length);
  syncTable($('cluster-body'), c.nodes, (n) => n.node, (n) => [
    { text: n.node + (n.self ? ' (this node)' : ''), className: 'mono' },
    n.version,
    n.self ? 'now' : fmtAge(n.heartbeat_age_ms),
    num(n.sessions),
    num(n.tunnels),
    { text: n.redis, className: n.redis === 'connected' ? 'state-ok' : 'state-bad' },
  ], null, 'no nodes');
}

function fmtAge(ms) {
  const n = num(ms);
  return n < 1000 ? n + ' ms ago' : (n / 1000).toFixed(1) + ' s ago';
}

function renderMaintenance(on) {
  const v = $('stat-maintenance');
  setText('stat-maintenance', on ? 'ON' : 'off');
  v.className = 'value ' + (on ? 'on' : 'off');
  const b = $('maintenance-toggle');
  b.textContent = on ? 'Disable maintenance' : 'Enable maintenance';
  b.dataset.enabled = on ? 'true' : 'false';
}

function renderUsers(users, conns, quotaOf) {
  setText('users-count', users.length);
  syncTable($('users-body'), users, (u) => u.username, (u) => {
    const q = quotaOf.get(u.username);
    return [u.username, u.allow_shell ? 'yes' : 'no', num(conns[u.username]), q ? fmtBytes(q.daily_bytes) : '-'];
  }, (u, td) => {
    td.append(el('button', { type: 'button', className: 'small', text: 'Details', onClick: () => openUser(u.username) }));
    td.append(el('button', { type: 'button', className: 'small danger', text: 'Kick', onClick: (ev) => kickUser(u.username, ev.currentTarget) }));
  }, 'no users configured');
  // Suggestions for the kick form; rebuilt only when the set of names changed.
  const list = $('user-names');
  const names = JSON.stringify(users.map((u) => u.username));
  if (list.dataset.names !== names) {
    list.dataset.names = names;
    list.replaceChildren(...users.map((u) => { const o = el('option'); o.value = u.username; return o; }));
  }
}

function renderBans(bans) {
  setText('bans-count', bans.length);
  syncTable($('bans-body'), bans, (b) => b.ip, (b) => [{ text: b.ip, className: 'mono' }, b.expires_at], (b, td) => {
    td.append(el('button', { type: 'button', className: 'small', text: 'Unban', onClick: (ev) => unban(b.ip, ev.currentTarget) }));
  }, 'no banned IPs');
}

function renderSessions(sessions) {
  setText('sessions-count', sessions.length);
  // Session ids are unique per node only: in a cluster the row names its node too.
  const sid = (x) => (x.node ? x.session_id + '@' + x.node : x.session_id);
  syncTable($('sessions-body'), sessions, sid, (x) => [
    { text: sid(x), className: 'mono' }, x.username, x.target_host + ':' + x.target_port, { text: x.source_ip, className: 'mono' },
    x.protocol, fmtDuration(x.duration_secs), fmtBytes(x.bytes_up), fmtBytes(x.bytes_down),
  ], (x, td) => {
    td.append(el('button', { type: 'button', className: 'small danger', text: 'Kick', title: 'Close every connection of ' + x.username, onClick: (ev) => kickUser(x.username, ev.currentTarget) }));
  }, 'no active sessions');
}

function renderQuotas(quotas) {
  syncTable($('quotas-body'), quotas, (q) => q.username, (q) => [
    q.username,
    { text: usage(q.hourly_bytes, q.hourly_bytes_limit, fmtBytes), ratio: ratioOf(q.hourly_bytes, q.hourly_bytes_limit) },
    { text: usage(q.daily_bytes, q.daily_bytes_limit, fmtBytes), ratio: ratioOf(q.daily_bytes, q.daily_bytes_limit) },
    { text: usage(q.monthly_bytes, q.monthly_bytes_limit, fmtBytes), ratio: ratioOf(q.monthly_bytes, q.monthly_bytes_limit) },
    { text: usage(q.total_bytes, q.total_bytes_limit, fmtBytes), ratio: ratioOf(q.total_bytes, q.total_bytes_limit) },
    usage(q.daily_connections, q.daily_connections_limit, String),
    fmtRate(q.current_rate_bps),
  ], (q, td) => {
    td.append(el('button', { type: 'button', className: 'small', text: 'Reset', title: 'Reset the quota counters of ' + q.username, onClick: (ev) => resetQuota(q.username, ev.currentTarget) }));
  }, 'no quota data');
}

function renderGroups(groups) {
  setText('groups-count', groups.length);
  syncTable($('groups-body'), groups, (g) => g.name, (g) => [
    g.name, num(g.member_count), num(g.active_connections), fmtBytes(g.total_daily_bytes), fmtBytes(g.total_monthly_bytes),
  ], null, 'no groups configured');
}

const GOOD_EVENTS = new Set(['auth.success', 'proxy.start', 'session.authenticated', 'ban.removed', 'ban.expired']);
const BAD_EVENTS = new Set(['auth.failure', 'acl.deny', 'connect.failed', 'connection.rejected', 'ban.created', 'quota.exceeded', 'rate_limit.exceeded', 'alert.triggered']);

function eventDetail(data) {
  if (!data || typeof data !== 'object') return '';
  const parts = [];
  for (const k of Object.keys(data)) {
    const v = data[k];
    parts.push(k + '=' + (typeof v === 'object' ? JSON.stringify(v) : String(v)));
  }
  const text = parts.join(' ');
  return text.length > 400 ? text.slice(0, 400) + '...' : text;
}

/**
 * Adds one bus event ({type, timestamp, data}, and node in a cluster) unless already shown
 * (snapshots repeat the last 50); true when it was new.
 */
function addEvent(e) {
  if (!e || typeof e.type !== 'string') return false;
  const detail = eventDetail(e.data);
  const node = typeof e.node === 'string' ? e.node : '';
  const key = e.type + '|' + e.timestamp + '|' + node + '|' + detail;
  if (events.keys.has(key)) return false;
  events.keys.add(key);
  const li = el('li', { className: GOOD_EVENTS.has(e.type) ? 'good' : BAD_EVENTS.has(e.type) ? 'bad' : '', data: { type: e.type } }, [
    el('span', { className: 'when mono', text: fmtTime(e.timestamp), title: e.timestamp }),
    ...(node ? [el('span', { className: 'node mono', text: node, title: 'node' })] : []),
    el('span', { className: 'type', text: e.type }),
    el('span', { className: 'detail', text: detail }),
  ]);
  li.dataset.key = key;
  li.hidden = !matchesFilter(li);
  events.list.push(li);
  $('events-list').prepend(li);
  while (events.list.length > MAX_EVENTS) {
    const old = events.list.shift();
    if (!old) break;
    events.keys.delete(old.dataset.key ?? '');
    old.remove();
  }
  setText('events-count', events.list.length);
  return true;
}

function matchesFilter(li) {
  const f = input('event-filter').value.trim().toLowerCase();
  return f === '' || li.textContent.toLowerCase().includes(f);
}

/** Bytes per second from the growth of every user's lifetime byte counter between snapshots. */
function sampleThroughput(quotas) {
  const now = performance.now();
  const total = quotas.reduce((sum, q) => sum + num(q.total_bytes), 0);
  const last = spark.last;
  spark.last = { at: now, total: total };
  if (!last || now - last.at < 200) return;
  // A reset or reload makes the counter drop: count that interval as zero, not negative.
  const rate = Math.max(0, total - last.total) / ((now - last.at) / 1000);
  spark.rates.push(rate);
  spark.times.push(now);
  if (spark.rates.length > SPARK_POINTS) { spark.rates.shift(); spark.times.shift(); }
  setText('stat-throughput', fmtRate(rate));
  const max = Math.max(1, ...spark.rates);
  // The samples span the whole width (the "last ..." label says how long that is), so a fresh page
  // shows a line, not a spike squeezed against the right edge; one sample is a flat line.
  const n = spark.rates.length;
  const ys = spark.rates.map((r) => (29 - (r / max) * 27).toFixed(1));
  const xy = n === 1 ? [['0', ys[0] ?? '29'], ['100', ys[0] ?? '29']] : ys.map((y, i) => [((i / (n - 1)) * 100).toFixed(1), y]);
  const points = xy.map((p) => p[0] + ',' + p[1]).join(' ');
  $('sparkline-line').setAttribute('points', points);
  // The area under the line, closed on the baseline, reads at a glance where a thin line does not.
  const first = xy[0];
  const lastPoint = xy[xy.length - 1];
  $('sparkline-area').setAttribute('points', first && lastPoint ? first[0] + ',29.5 ' + points + ' ' + lastPoint[0] + ',29.5' : '');
  // The scale in words: how far back the line goes, and what its top means.
  const span = spark.times.length > 1 ? (now - (spark.times[0] ?? now)) / 1000 : 0;
  setText('sparkline-span', 'last ' + fmtDuration(span));
  setText('sparkline-peak', 'peak ' + fmtRate(Math.max(0, ...spark.rates)));
}
`;
