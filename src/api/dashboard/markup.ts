/**
 * The dashboard's static markup: every element the script fills, and nothing from the server.
 * No inline handlers or style attributes: the CSP allows only the hashed <style> and <script>.
 */

/** The <body> content; the script element is appended by page.ts. */
export const DASHBOARD_BODY = String.raw`
<header class="top">
  <h1>sks5 Dashboard</h1>
  <span id="conn-state" class="pill" data-state="offline" role="status">offline</span>
  <span class="spacer"></span>
  <button id="theme-toggle" type="button" title="Switch between dark and light">Light theme</button>
  <button id="logout" type="button" hidden>Sign out</button>
</header>
<main>
  <section id="login" class="login" hidden>
    <h2>Sign in</h2>
    <p class="hint">Paste the API token (<code>[api] token</code>). It stays in this browser tab only (sessionStorage) and is sent as an
      <code>Authorization</code> header, never in a URL. You can also open <code>/dashboard#token=...</code>: the fragment never reaches the
      server and is removed from the address bar.</p>
    <form id="login-form" autocomplete="off">
      <input id="login-token" type="password" placeholder="API token" aria-label="API token" required autocomplete="off" spellcheck="false">
      <button type="submit" class="primary">Connect</button>
    </form>
    <p id="login-error" class="error" role="alert" hidden></p>
  </section>

  <div id="app" hidden>
    <section class="cards" aria-label="Server status">
      <div class="card"><div class="label">Active connections</div><div class="value" id="stat-active">-</div>
        <div class="hint">open tunnels, all users (each is a row of Active sessions)</div></div>
      <div class="card"><div class="label">Banned IPs</div><div class="value" id="stat-bans">-</div></div>
      <div class="card"><div class="label">Users</div><div class="value" id="stat-users">-</div></div>
      <div class="card"><div class="label">Uptime</div><div class="value" id="stat-uptime">-</div></div>
      <div class="card"><div class="label">Maintenance</div><div class="value" id="stat-maintenance">-</div></div>
      <div class="card"><div class="label">Throughput</div><div class="value" id="stat-throughput">-</div>
        <svg id="sparkline" viewBox="0 0 100 30" preserveAspectRatio="none" aria-hidden="true"><line class="base" x1="0" y1="29.5" x2="100" y2="29.5"></line>
          <polygon id="sparkline-area" points=""></polygon><polyline id="sparkline-line" points=""></polyline></svg>
        <div class="hint spark-scale"><span id="sparkline-span">waiting for samples</span><span id="sparkline-peak"></span></div></div>
    </section>

    <section class="controls" aria-label="Controls">
      <div class="panel">
        <div class="title">Maintenance</div>
        <div class="row">
          <input id="maintenance-message" maxlength="4096" placeholder="Message for refused clients (optional)" aria-label="Maintenance message">
          <button id="maintenance-toggle" type="button">Enable maintenance</button>
        </div>
      </div>
      <div class="panel">
        <div class="title">Configuration</div>
        <div class="row"><button id="reload" type="button">Reload config</button><span id="reload-result" class="hint"></span></div>
      </div>
      <div class="panel">
        <div class="title">Kick user</div>
        <form id="kick-form">
          <input id="kick-user" required maxlength="255" placeholder="username" aria-label="Username to kick" list="user-names">
          <input id="kick-message" maxlength="4096" placeholder="message to the user (optional)" aria-label="Kick message">
          <button type="submit" class="danger">Kick</button>
        </form>
        <datalist id="user-names"></datalist>
      </div>
      <div class="panel">
        <div class="title">Broadcast to live shells</div>
        <form id="broadcast-form">
          <input id="broadcast-message" required maxlength="4096" placeholder="message" aria-label="Broadcast message">
          <button type="submit">Send</button>
        </form>
      </div>
    </section>

    <div class="grid">
      <section class="panel wide" id="cluster-panel" hidden><h2>Cluster nodes <span class="count" id="cluster-count"></span>
        <span class="hint">every node heard within 5 s; this node first</span></h2>
        <div class="scroll"><table><thead><tr><th>Node</th><th>Version</th><th title="Since this node last heard it">Heartbeat</th><th>Sessions</th><th title="Open tunnels">Tunnels</th><th>Redis</th></tr></thead>
        <tbody id="cluster-body"></tbody></table></div></section>

      <section class="panel"><h2>Users <span class="count" id="users-count"></span></h2>
        <div class="scroll"><table><thead><tr><th>User</th><th>Shell</th><th title="Open tunnels now">Open conns</th><th>Today</th><th></th></tr></thead>
        <tbody id="users-body"></tbody></table></div></section>

      <section class="panel wide"><h2>Active sessions <span class="count" id="sessions-count"></span>
        <span class="hint">one row per open tunnel (SOCKS5 CONNECT or SSH -D/-L channel); the Active connections card counts these rows</span></h2>
        <div class="scroll"><table><thead><tr><th>ID</th><th>User</th><th>Target</th><th>Source</th><th>Door</th><th>Duration</th><th>Up</th><th>Down</th><th></th></tr></thead>
        <tbody id="sessions-body"></tbody></table></div></section>

      <section class="panel"><h2>Banned IPs <span class="count" id="bans-count"></span></h2>
        <div class="scroll"><table><thead><tr><th>IP</th><th>Expires in</th><th></th></tr></thead>
        <tbody id="bans-body"></tbody></table></div></section>

      <section class="panel wide"><h2>Quota usage <span class="hint">used / limit; a bar when there is a limit</span></h2>
        <div class="scroll"><table><thead><tr><th>User</th><th>Hour</th><th>Today</th><th>Month</th><th>Total</th><th>Conns today</th><th>Rate</th><th></th></tr></thead>
        <tbody id="quotas-body"></tbody></table></div></section>

      <section class="panel"><h2>Groups <span class="count" id="groups-count"></span></h2>
        <div class="scroll"><table><thead><tr><th>Group</th><th>Members</th><th title="Open tunnels now">Open conns</th><th>Today</th><th>Month</th></tr></thead>
        <tbody id="groups-body"></tbody></table></div></section>

      <section class="panel wide"><h2>SSH client fingerprints <span class="count" id="fp-count"></span>
        <span class="tools"><select id="fp-filter" aria-label="Fingerprint status filter"><option value="">all</option><option value="pending">pending</option>
          <option value="approved">approved</option><option value="blocked">blocked</option></select>
          <button id="fp-refresh" type="button" class="small">Refresh</button></span></h2>
        <div class="scroll"><table><thead><tr><th>Fingerprint</th><th>Status</th><th>Label</th><th>Client</th><th>Seen</th><th>Last</th><th></th></tr></thead>
        <tbody id="fp-body"></tbody></table></div></section>

      <section class="panel"><h2>Recent events <span class="count" id="events-count"></span>
        <span class="tools"><input id="event-filter" placeholder="filter" aria-label="Filter events"></span></h2>
        <div class="scroll"><ol id="events-list"></ol></div></section>
    </div>
  </div>
</main>

<dialog id="user-modal" aria-labelledby="user-modal-title">
  <header><h2 id="user-modal-title">User</h2><button id="user-modal-close" type="button">Close</button></header>
  <div id="user-modal-body" class="modal-body"></div>
</dialog>
<div id="toasts" aria-live="polite"></div>
`;
