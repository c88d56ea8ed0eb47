/**
 * Browser code, part 4 of 4: sign-in (token from the URL fragment or the form, kept in
 * sessionStorage), operator actions, the user detail modal, SSH client fingerprints, and boot.
 */
export const CLIENT_ACTIONS = String.raw`
/** Reads #token=... once and removes the fragment, so the token is not left in the address bar or history. */
function tokenFromFragment() {
  if (location.hash.length < 2) return null;
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token === null) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return token.trim();
}

function showLogin(message) {
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  const err = $('login-error');
  err.hidden = !message;
  err.textContent = message || '';
  $('login-token').focus();
}

async function signIn(token) {
  state.token = token;
  $('login-error').hidden = true;
  try {
    await api('GET', '/api/status');
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 503)) return;
    showLogin('Cannot load the dashboard: ' + errorText(err));
    return;
  }
  try { sessionStorage.setItem(TOKEN_KEY, token); } catch { /* storage disabled: this page still works */ }
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  input('login-token').value = '';
  await refreshSnapshot();
  refreshFingerprints();
  liveStart();
}

function signOut(message) {
  liveStop();
  state.token = null;
  try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing stored */ }
  showLogin(message);
}

async function unban(ip, button) {
  await act(button, async () => {
    await api('DELETE', '/api/bans/' + encodeURIComponent(ip));
    toast('ok', 'unbanned ' + ip);
    await refreshSnapshot();
  });
}

async function kickUser(username, button, message) {
  if (!confirm('Close every connection of ' + username + '?')) return false;
  return act(button, async () => {
    const r = await api('POST', '/api/kick/' + encodeURIComponent(username), message ? { message: message } : undefined);
    toast('ok', 'kicked ' + username + ': ' + r.data.sessions_cancelled + ' connection(s) closed');
    await refreshSnapshot();
  });
}

async function resetQuota(username, button) {
  if (!confirm('Reset the quota counters of ' + username + '?')) return;
  await act(button, async () => {
    await api('POST', '/api/quotas/' + encodeURIComponent(username) + '/reset');
    toast('ok', 'quota counters of ' + username + ' reset');
    await refreshSnapshot();
  });
}

function wireControls() {
  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = input('login-token').value.trim();
    if (token) signIn(token);
  });
  $('logout').addEventListener('click', () => signOut(null));
  $('maintenance-toggle').addEventListener('click', (ev) => {
    const button = /** @type {HTMLButtonElement} */ (ev.currentTarget);
    const enable = button.dataset.enabled !== 'true';
    if (enable && !confirm('Enable maintenance? New connections will be refused.')) return;
    const message = input('maintenance-message').value.trim();
    act(button, async () => {
      const r = await api('POST', '/api/maintenance', message ? { enabled: enable, message: message } : { enabled: enable });
      renderMaintenance(r.data.maintenance);
      toast('ok', 'maintenance ' + (r.data.maintenance ? 'enabled' : 'disabled'));
    });
  });
  $('reload').addEventListener('click', (ev) => act(ev.currentTarget, async () => {
    $('reload-result').textContent = 'reloading...';
    try {
      const r = await api('POST', '/api/reload');
      $('reload-result').textContent = 'reloaded: ' + r.data.users_count + ' user(s)';
      toast('ok', 'configuration reloaded');
    } catch (err) {
      $('reload-result').textContent = 'failed';
      throw err;
    }
    await refreshSnapshot();
  }));
  $('kick-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const username = input('kick-user').value.trim();
    if (!username) return;
    kickUser(username, ev.submitter, input('kick-message').value.trim()).then((done) => {
      if (done) { input('kick-user').value = ''; input('kick-message').value = ''; }
    });
  });
  $('broadcast-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const message = input('broadcast-message').value.trim();
    if (!message) return;
    act(ev.submitter, async () => {
      const r = await api('POST', '/api/broadcast', { message: message });
      toast('ok', 'broadcast delivered to ' + r.data.delivered_to + ' shell(s)');
      input('broadcast-message').value = '';
    });
  });
  $('user-modal-close').addEventListener('click', () => dialog('user-modal').close());
  $('fp-filter').addEventListener('change', (ev) => { state.fpFilter = /** @type {HTMLSelectElement} */ (ev.currentTarget).value; refreshFingerprints(); });
  $('fp-refresh').addEventListener('click', () => refreshFingerprints());
  $('event-filter').addEventListener('input', () => { for (const li of events.list) li.hidden = !matchesFilter(li); });
}

function section(title, rows) {
  const dl = el('dl');
  for (const [k, v] of rows) {
    let text = v;
    if (v === null || v === undefined || v === '') text = '-';
    else if (Array.isArray(v)) text = v.length ? v.join(', ') : '-';
    else if (typeof v === 'boolean') text = v ? 'yes' : 'no';
    else if (typeof v === 'object') text = Object.keys(v).length ? Object.entries(v).map((e) => e[0] + '=' + e[1]).join(', ') : '-';
    dl.append(el('dt', { text: k }), el('dd', { text: text }));
  }
  return el('section', null, [el('h3', { text: title }), dl]);
}

function limit(n) {
  return n > 0 ? String(n) : 'unlimited';
}

function quotaText(used, lim, fmt) {
  return lim > 0 ? fmt(used) + ' / ' + fmt(lim) : fmt(used) + ' (no limit)';
}

async function openUser(username) {
  let u;
  try { u = (await api('GET', '/api/users/' + encodeURIComponent(username))).data; } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast('error', errorText(err));
    return;
  }
  $('user-modal-title').textContent = u.username;
  const q = u.quota_usage;
  const ta = u.time_access;
  $('user-modal-body').replaceChildren(
    section('Identity', [['Username', u.username], ['Role', u.role], ['Group', u.group], ['Expires', u.expires_at ? fmtTime(u.expires_at) : 'never']]),
    section('Authentication', [['Password', u.has_password], ['TOTP', u.totp_enabled], ['Auth methods', u.auth_methods], ['Keys', u.authorized_keys_fingerprints]]),
    section('Network and limits', [['Source IPs', u.source_ips], ['Shell', u.allow_shell], ['Forwarding', u.allow_forwarding],
      ['Max connections', limit(u.max_connections)], ['New conns/min', limit(u.max_new_connections_per_minute)],
      ['Bandwidth kbps', limit(u.max_bandwidth_kbps)], ['Aggregate kbps', limit(u.max_aggregate_bandwidth_kbps)],
      ['Connect retry', u.connect_retry + ' x ' + u.connect_retry_delay_ms + ' ms']]),
    section('ACL', [['Default', u.acl.default_policy], ['Allow', u.acl.allow_rules], ['Deny', u.acl.deny_rules]]),
    // Used / limit in the units of the Quota usage table, never raw byte counts.
    section('Quotas (used / limit)', q ? [
      ['This hour', quotaText(q.hourly_bytes, q.hourly_bytes_limit, fmtBytes)], ['Today', quotaText(q.daily_bytes, q.daily_bytes_limit, fmtBytes)],
      ['This month', quotaText(q.monthly_bytes, q.monthly_bytes_limit, fmtBytes)], ['Total', quotaText(q.total_bytes, q.total_bytes_limit, fmtBytes)],
      ['Conns today', quotaText(q.daily_connections, q.daily_connections_limit, String)],
      ['Conns this month', quotaText(q.monthly_connections, q.monthly_connections_limit, String)],
    ] : [['Limits', 'none']]),
    section('Live', [['Open connections', u.current_connections], ['Bytes transferred', fmtBytes(u.total_bytes_transferred)],
      ['Rate', q ? fmtRate(q.current_rate_bps) : '-']]),
    section('Time access', ta ? [['Hours', ta.access_hours], ['Days', ta.access_days], ['Time zone', ta.timezone]] : [['Restriction', 'none']]),
    section('Shell', [['Permissions', u.shell_permissions], ['Aliases', u.aliases], ['Colours', u.colors], ['Idle warning', u.idle_warning_secs + ' s']]),
  );
  if (!dialog('user-modal').open) dialog('user-modal').showModal();
}

let fpTimer = null;
/** Fingerprints are not in the snapshot: fetched on sign-in, on demand, and after fingerprint.seen. */
async function refreshFingerprints() {
  clearTimeout(fpTimer);
  fpTimer = null;
  let r;
  try {
    r = await api('GET', '/api/fingerprints?limit=500' + (state.fpFilter ? '&status=' + encodeURIComponent(state.fpFilter) : ''));
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast('error', 'fingerprints: ' + errorText(err));
    return;
  }
  const list = r.data;
  setText('fp-count', list.length + (r.next_cursor ? '+' : ''));
  syncTable($('fp-body'), list, (f) => f.fingerprint, (f) => [
    { text: f.fingerprint.slice(0, 16), className: 'mono' }, { text: f.status, className: 'status-' + f.status }, f.label || '-',
    f.client_id, num(f.count), fmtTime(f.last_seen),
  ], (f, td) => {
    td.append(el('button', { type: 'button', className: 'small', text: 'Approve', onClick: (ev) => setFingerprint(f.fingerprint, 'approve', ev.currentTarget) }));
    td.append(el('button', { type: 'button', className: 'small danger', text: 'Block', onClick: (ev) => setFingerprint(f.fingerprint, 'block', ev.currentTarget) }));
  }, state.fpFilter ? 'no ' + state.fpFilter + ' fingerprints' : 'no SSH client seen yet');
  for (const tr of /** @type {HTMLCollectionOf<HTMLElement>} */ ($('fp-body').children)) if (tr.dataset.key) tr.title = tr.dataset.key;
}

async function setFingerprint(fp, verb, button) {
  await act(button, async () => {
    await api('POST', '/api/fingerprints/' + encodeURIComponent(fp) + '/' + verb);
    toast('ok', fp.slice(0, 16) + ' ' + (verb === 'approve' ? 'approved' : 'blocked'));
    await refreshFingerprints();
  });
}

/** Events that change state outside the snapshot, or sooner than the next one. */
function onLiveEvent(e) {
  if (e.type === 'maintenance.toggled' && e.data) renderMaintenance(e.data.enabled === true);
  if (e.type === 'fingerprint.seen' && fpTimer === null && state.token) fpTimer = setTimeout(refreshFingerprints, 500);
}

function boot() {
  initTheme();
  wireControls();
  const fromUrl = tokenFromFragment();
  let token = fromUrl;
  if (!token) { try { token = sessionStorage.getItem(TOKEN_KEY); } catch { token = null; } }
  if (token) signIn(token); else showLogin(null);
}

boot();
`;
