/**
 * Browser code, part 3 of 4: the live feed. Each attempt takes a fresh single-use ticket (POST
 * /api/sse-ticket) and opens the WebSocket; if that fails it takes another ticket and opens SSE.
 * EventSource's own retry is never used: it would replay a spent ticket. Lost or failed feeds
 * retry with capped exponential backoff and jitter; a feed silent for too long is reopened.
 */
export const CLIENT_LIVE = String.raw`
const OPEN_TIMEOUT_MS = 8000;
const SILENCE_MS = 30000;
const MAX_BACKOFF_MS = 30000;

/** The same shape as the SSE/WS payload, from REST: the first paint does not wait for the feed. */
async function loadSnapshot() {
  const [status, users, bans, conns, quotas, groups, sessions, cluster] = await Promise.all([
    api('GET', '/api/status'), api('GET', '/api/users'), api('GET', '/api/bans'), api('GET', '/api/connections'),
    api('GET', '/api/quotas'), api('GET', '/api/groups'), api('GET', '/api/sessions'), api('GET', '/api/cluster'),
  ]);
  const connMap = {};
  for (const c of conns.data.user_connections) connMap[c.username] = c.connections;
  return {
    type: 'status',
    active_connections: status.data.active_connections, banned_count: bans.data.length, total_users: status.data.total_users,
    maintenance: status.data.maintenance, uptime_secs: status.data.uptime_secs,
    users: users.data.map((u) => ({ username: u.username, allow_shell: u.allow_shell })),
    bans: bans.data.map((b) => ({ ip: b.ip, expires_at: b.remaining_secs + 's' })),
    connections: connMap, quotas: quotas.data, groups: groups.data,
    sessions: { total_active: sessions.data.length, sessions: sessions.data },
    recent_events: [],
    cluster: cluster.data,
  };
}

async function refreshSnapshot() {
  try { applySnapshot(await loadSnapshot()); } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast('error', 'refresh failed: ' + errorText(err));
  }
}

/**
 * @type {{ generation: number, attempt: number, timer: number | undefined, watchdog: number | undefined,
 *   close: (() => void) | null, lastMessageAt: number, preferSse: boolean }}
 */
const live = {
  generation: 0,
  attempt: 0,
  timer: undefined,
  watchdog: undefined,
  close: null,
  lastMessageAt: 0,
  preferSse: false,
};

function setConn(kind, text) {
  const pill = $('conn-state');
  pill.dataset.state = kind;
  pill.textContent = text;
}

function liveStart() {
  liveStop();
  live.attempt = 0;
  live.watchdog = setInterval(() => {
    if (live.close && performance.now() - live.lastMessageAt > SILENCE_MS) feedLost(live.generation, 'silent for too long');
  }, 5000);
  liveConnect();
}

function liveStop() {
  live.generation++;
  clearTimeout(live.timer);
  clearInterval(live.watchdog);
  if (live.close) live.close();
  live.close = null;
  setConn('offline', 'offline');
}

async function liveConnect() {
  const gen = ++live.generation;
  setConn('connecting', 'connecting...');
  let opened = false;
  try {
    if (!live.preferSse) opened = await openWs(gen, (await api('POST', '/api/sse-ticket')).data.ticket);
    if (!opened && gen === live.generation) {
      opened = await openSse(gen, (await api('POST', '/api/sse-ticket')).data.ticket);
      if (opened) live.preferSse = true;
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
  }
  if (!opened && gen === live.generation) scheduleRetry(gen, 'could not open the live feed');
}

function scheduleRetry(gen, why) {
  if (gen !== live.generation) return;
  const base = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, live.attempt));
  const delay = Math.round(base / 2 + Math.random() * base / 2);
  live.attempt++;
  $('app').classList.add('stale');
  setConn('reconnecting', 'reconnecting in ' + Math.ceil(delay / 1000) + 's');
  $('conn-state').title = why;
  live.timer = setTimeout(() => { if (gen === live.generation) liveConnect(); }, delay);
}

function feedLost(gen, why) {
  if (gen !== live.generation) return;
  if (live.close) live.close();
  live.close = null;
  scheduleRetry(gen, why);
}

function feedMessage(gen) {
  if (gen !== live.generation) return false;
  live.lastMessageAt = performance.now();
  live.attempt = 0;
  return true;
}

function openWs(gen, ticket) {
  return new Promise((resolve) => {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/ws?ticket=' + encodeURIComponent(ticket);
    let ws;
    try { ws = new WebSocket(url); } catch { resolve(false); return; }
    let established = false;
    const timeout = setTimeout(() => { if (!established) { ws.onclose = null; ws.close(); resolve(false); } }, OPEN_TIMEOUT_MS);
    ws.onmessage = (m) => {
      if (gen !== live.generation) { ws.onclose = null; ws.close(1000); if (!established) resolve(false); return; }
      if (!established) {
        // Live once data flows: a socket that opens and closes without a frame (a proxy that
        // accepts the upgrade, or "too many live clients") counts as failed, so SSE is tried.
        established = true;
        clearTimeout(timeout);
        live.close = () => { ws.onclose = null; ws.close(1000); };
        setConn('live', 'live: WebSocket');
        resolve(true);
      }
      if (typeof m.data !== 'string' || !feedMessage(gen)) return;
      let msg;
      try { msg = JSON.parse(m.data); } catch { return; }
      if (msg.type === 'status') applySnapshot(msg);
      else if (msg.type === 'event' && addEvent(msg.event)) onLiveEvent(msg.event);
      else if (msg.type === 'reply' && !msg.success) toast('error', msg.action + ': ' + msg.error);
    };
    ws.onclose = (ev) => {
      clearTimeout(timeout);
      if (!established) resolve(false);
      else feedLost(gen, 'WebSocket closed (' + ev.code + (ev.reason ? ' ' + ev.reason : '') + ')');
    };
  });
}

function openSse(gen, ticket) {
  return new Promise((resolve) => {
    const es = new EventSource('/api/events?ticket=' + encodeURIComponent(ticket));
    let established = false;
    const timeout = setTimeout(() => { if (!established) { es.close(); resolve(false); } }, OPEN_TIMEOUT_MS);
    const flowing = () => {
      if (gen !== live.generation) { es.close(); if (!established) resolve(false); return false; }
      if (!established) {
        established = true;
        clearTimeout(timeout);
        live.close = () => es.close();
        setConn('live', 'live: SSE');
        resolve(true);
      }
      return feedMessage(gen);
    };
    es.onmessage = (m) => {
      if (!flowing()) return;
      try { applySnapshot(JSON.parse(m.data)); } catch { /* a torn frame: the next snapshot comes in 2 s */ }
    };
    es.addEventListener('audit', (m) => {
      if (!flowing()) return;
      let e;
      try { e = JSON.parse(m.data); } catch { return; }
      if (addEvent(e)) onLiveEvent(e);
    });
    es.onerror = () => {
      // Closed here so EventSource never retries by itself with the spent ticket.
      es.close();
      clearTimeout(timeout);
      if (!established) resolve(false);
      else feedLost(gen, 'event stream lost');
    };
  });
}
`;
