/**
 * The dashboard's one stylesheet, inlined in the page and allowed by its SHA-256 in the CSP.
 * Colours are custom properties so the theme toggle only flips `data-theme` on <html>.
 */
export const DASHBOARD_CSS = String.raw`
:root, [data-theme="dark"] {
  --bg: #0f1419; --panel: #171e26; --panel-2: #1e2732; --text: #e6edf3; --muted: #8b98a5;
  --border: #2a3540; --accent: #4aa3ff; --ok: #3fb950; --warn: #d29922; --bad: #f85149; --shadow: rgba(0,0,0,.35);
  color-scheme: dark;
}
[data-theme="light"] {
  --bg: #f5f7fa; --panel: #ffffff; --panel-2: #eef2f6; --text: #1b2430; --muted: #5b6776;
  --border: #d5dce4; --accent: #0b6bcb; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --shadow: rgba(0,0,0,.08);
  color-scheme: light;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
[hidden] { display: none !important; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
button, input, select, textarea { font: inherit; color: inherit; }
button { background: var(--panel-2); border: 1px solid var(--border); border-radius: 6px; padding: 4px 10px; cursor: pointer; }
button:hover { border-color: var(--accent); }
button:disabled { opacity: .5; cursor: default; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); }
button.small { padding: 1px 8px; font-size: 12px; }
input, select, textarea { background: var(--bg); border: 1px solid var(--border); border-radius: 6px; padding: 5px 8px; min-width: 0; }
input:focus, select:focus, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }

.top { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; padding: 10px 20px;
  background: var(--panel); border-bottom: 1px solid var(--border); }
.top h1 { font-size: 18px; margin: 0; letter-spacing: .5px; }
.spacer { flex: 1; }
.pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; border: 1px solid var(--border); color: var(--muted); }
.pill[data-state="live"] { color: var(--ok); border-color: var(--ok); }
.pill[data-state="connecting"], .pill[data-state="reconnecting"] { color: var(--warn); border-color: var(--warn); }
.pill[data-state="offline"] { color: var(--bad); border-color: var(--bad); }

main { padding: 18px 20px 40px; max-width: 1500px; margin: 0 auto; }
#app.stale .cards, #app.stale .grid { opacity: .6; }
.login { max-width: 460px; margin: 60px auto; background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 24px; }
.login form { display: flex; gap: 8px; margin-top: 12px; }
.login input { flex: 1; }
.error { color: var(--bad); }
.hint { color: var(--muted); font-size: 12.5px; }

.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 16px; }
.card { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 12px 14px; box-shadow: 0 1px 3px var(--shadow); }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
.card .value { font-size: 26px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; }
.card .value.on { color: var(--warn); }
.card .value.off { color: var(--ok); }
.card .hint { margin-top: 2px; }
.card svg { display: block; width: 100%; height: 44px; margin-top: 6px; background: var(--panel-2); border-radius: 4px; }
.card svg polyline { fill: none; stroke: var(--accent); stroke-width: 2; vector-effect: non-scaling-stroke; stroke-linejoin: round; }
.card svg polygon { fill: var(--accent); opacity: .18; stroke: none; }
.card svg line.base { stroke: var(--border); stroke-width: 1; vector-effect: non-scaling-stroke; }
.spark-scale { display: flex; justify-content: space-between; gap: 6px; font-variant-numeric: tabular-nums; }

.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 10px; padding: 12px 14px; min-width: 0; }
.panel h2 { font-size: 14px; margin: 0 0 10px; display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; }
.panel h2 .hint { font-weight: normal; }
.panel h2 .count { color: var(--muted); font-weight: normal; }
.panel h2 .tools { margin-left: auto; display: flex; gap: 6px; font-weight: normal; }
.controls { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(280px, 100%), 1fr)); gap: 12px; margin-bottom: 16px; }
.controls form, .controls .row { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.controls input { flex: 1; }
.controls .title { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; margin-bottom: 6px; }
/* Tables with many columns or action buttons take a whole row, so no column and no button ever
   needs a sideways scroll; the narrow ones pair up (dense fills the gaps they leave). */
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(520px, 100%), 1fr)); grid-auto-flow: row dense; align-items: start; gap: 16px; }
.grid .wide { grid-column: 1 / -1; }
.scroll { max-height: 340px; overflow-y: auto; overflow-x: hidden; }

table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 6px; border-bottom: 1px solid var(--border); vertical-align: middle; }
/* Numbers and units stay on one line; names, targets, client strings and used/limit pairs wrap
   rather than push the table wider than its panel. */
td { white-space: nowrap; max-width: 320px; }
#users-body td:first-child, #quotas-body td:first-child, #groups-body td:first-child, #sessions-body td:nth-child(2),
#sessions-body td:nth-child(3), #fp-body td:nth-child(3), #fp-body td:nth-child(4), td:has(progress) { white-space: normal; overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 500; font-size: 12px; position: sticky; top: 0; z-index: 1; background: var(--panel); }
td.actions { text-align: right; white-space: nowrap; width: 1%; }
td.actions button + button { margin-left: 4px; }
tr.empty td { color: var(--muted); text-align: center; font-style: italic; }
progress { display: block; width: 100%; max-width: 140px; height: 8px; margin: 0 0 2px; accent-color: var(--accent); }
.status-approved { color: var(--ok); }
.status-blocked { color: var(--bad); }
.status-pending { color: var(--warn); }

#events-list { list-style: none; margin: 0; padding: 0; }
#events-list li { padding: 4px 0; border-bottom: 1px solid var(--border); display: flex; gap: 8px; align-items: baseline; }
#events-list .when { color: var(--muted); flex: none; }
#events-list .type { flex: none; font-weight: 600; }
#events-list .node { flex: none; color: var(--muted); }
td.state-ok { color: var(--ok); }
td.state-bad { color: var(--bad); font-weight: 600; }
#events-list .detail { color: var(--muted); overflow-wrap: anywhere; }
#events-list li.bad .type { color: var(--bad); }
#events-list li.good .type { color: var(--ok); }

dialog { background: var(--panel); color: var(--text); border: 1px solid var(--border); border-radius: 10px; padding: 0;
  width: min(760px, 94vw); max-height: 86vh; box-shadow: 0 10px 40px var(--shadow); }
dialog::backdrop { background: rgba(0,0,0,.5); }
dialog header { display: flex; align-items: center; padding: 12px 16px; border-bottom: 1px solid var(--border); }
dialog header h2 { margin: 0; font-size: 16px; flex: 1; }
.modal-body { padding: 12px 16px; overflow: auto; max-height: calc(86vh - 56px); display: grid; grid-template-columns: repeat(auto-fit, minmax(min(320px, 100%), 1fr)); gap: 12px; }
.modal-body section h3 { font-size: 13px; margin: 0 0 6px; color: var(--accent); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 12px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }

#toasts { position: fixed; right: 16px; bottom: 16px; display: flex; flex-direction: column; gap: 8px; z-index: 20; max-width: 420px; }
.toast { background: var(--panel-2); border: 1px solid var(--border); border-left: 4px solid var(--accent); border-radius: 6px;
  padding: 8px 12px; box-shadow: 0 4px 16px var(--shadow); overflow-wrap: anywhere; }
.toast.ok { border-left-color: var(--ok); }
.toast.error { border-left-color: var(--bad); }
`;
