// Markdown for the scale section (scale-section.mjs): medians over runs, the server's CPU beside
// each figure (the bench clients share the two cores), and each target of issue 13 with its verdict.
import { cpuPerGB, fmt, median, ratio, total } from './harness.mjs';
import { CLIENTS, DANTED, GATE, GATE_REDIS, SSHD, W2, W2K } from './scale-section.mjs';

const ok = (runs) => (runs ?? []).filter((r) => !r.error);
const errors = (name, runs) => (runs ?? []).filter((r) => r.error).map((r) => `- ${name}: run failed: ${r.error}`);

/** "met" when ours / ref reaches `min` (a ratio), "not met" below it, "–" without figures. */
export function verdict(ours, ref, min) {
  if (ours == null || ref == null || !ref) return '–';
  return ours / ref >= min ? 'met' : 'not met';
}

/** The spread of per-stream rates in one run: fastest / slowest (1.00 = perfectly even). */
function spread(r) {
  const xs = r.per_stream_MBps ?? [];
  return xs.length ? Math.max(...xs) / Math.max(0.01, Math.min(...xs)) : null;
}
const withDerived = (runs) => runs.map((r) => ({ ...r, min_MBps: Math.min(...(r.per_stream_MBps ?? [NaN])), max_MBps: Math.max(...(r.per_stream_MBps ?? [NaN])), spread: spread(r) }));

function socksLines(section) {
  const lines = ['### Workers: SOCKS5 connect + 32-byte echo + close (RFC 1929 auth and the full policy on sks5; danted: no auth)', '',
    '| server | runs | 64 in flight conn/s | p50 / p99 ms | server CPU ms/conn (all processes) | of which primary ms/conn | sequential conn/s | fails | / danted (64 in flight) |',
    '|---|---|---|---|---|---|---|---|---|'];
  const d = ok(section.socks.get(DANTED));
  const dRate = median(d, 'connect.par64.cps');
  for (const name of section.socksPeers) {
    const all = section.socks.get(name);
    const rs = ok(all).map((r) => ({ ...r, primary_ms: r.primary_cpu_s * 1000 / Math.max(1, (r.connect?.seq?.ok ?? 0) + (r.connect?.par64?.ok ?? 0)) }));
    const rate = median(rs, 'connect.par64.cps');
    lines.push(`| ${name} | ${rs.length}/${all.length} | ${fmt(rate)} | ${fmt(median(rs, 'connect.par64.p50_ms'), 1)} / ${fmt(median(rs, 'connect.par64.p99_ms'), 1)} | ${fmt(median(rs, 'connect.par64.proxy_cpu_ms_per_conn'), 3)} | ${name === W2 || name === W2K ? fmt(median(rs, 'primary_ms'), 3) : '–'} | ${fmt(median(rs, 'connect.seq.cps'))} | ${total(rs, 'connect.seq.fails') + total(rs, 'connect.par64.fails')} | ${name === DANTED ? '' : ratio(rate, dRate)} |`);
  }
  lines.push('', 'Server CPU is user + system time of the server\'s whole process tree (primary and workers; danted\'s children) over the 64-in-flight window, per connection. The primary\'s share is read around the whole run (sequential and 64 in flight) and divided by all its connections.');
  return lines;
}

function sshLines(section) {
  const lines = ['### Workers: SSH bulk, K `ssh -N -D` clients at once, one download through each (shared ssh-scale.mjs)', '',
    '| cipher | server | clients | runs | total MB/s | per stream min – max MB/s | fastest / slowest | server CPU s/GB | server CPU % (100 = one core) | ssh clients CPU % | machine idle cores |',
    '|---|---|---|---|---|---|---|---|---|---|---|'];
  const errs = [];
  for (const row of section.ssh.rows) {
    const short = row.cipher.replace('@openssh.com', '');
    for (const name of section.ssh.servers) {
      errs.push(...errors(`${name} ${short}`, row.runs.get(name)));
      for (const k of CLIENTS) {
        const all = row.runs.get(name).filter((r) => r.clients === k);
        const rs = withDerived(ok(all));
        lines.push(`| ${short} | ${name} | ${k} | ${rs.length}/${all.length} | ${fmt(median(rs, 'MBps'))} | ${fmt(median(rs, 'min_MBps'))} – ${fmt(median(rs, 'max_MBps'))} | ${fmt(median(rs, 'spread'), 2)} | ${fmt(median(rs, 'server_s_per_GB'), 2)} | ${fmt(median(rs, 'server_cpu_pct'), 0)} | ${fmt(median(rs, 'client_cpu_pct'), 0)} | ${fmt(median(rs, 'machine_idle_cores'), 2)} |`);
      }
    }
  }
  return [...lines, ...(errs.length ? ['', ...errs] : [])];
}

function gateLines(section) {
  const { runs, modes, workers } = section.gate;
  const lines = ['### Gate connects (TCP + ident + KEXINIT + 32-byte echo, a new 127.x.y.z source per connection)', '',
    '| gate | runs | 64 in flight conn/s | p50 / p99 ms | gate CPU ms/conn (all processes) | redis-server CPU ms/conn | sequential conn/s | fails | / one process (64 in flight) |',
    '|---|---|---|---|---|---|---|---|---|'];
  const base = median(ok(runs.get(GATE)), 'connect.par64.cps');
  for (const mode of modes) {
    const all = runs.get(mode);
    const rs = ok(all);
    const rate = median(rs, 'connect.par64.cps');
    lines.push(`| ${mode} | ${rs.length}/${all.length} | ${fmt(rate)} | ${fmt(median(rs, 'connect.par64.p50_ms'), 1)} / ${fmt(median(rs, 'connect.par64.p99_ms'), 1)} | ${fmt(median(rs, 'connect.par64.proxy_cpu_ms_per_conn'), 3)} | ${mode === GATE_REDIS ? fmt(median(rs, 'connect.par64.pid2_cpu_ms_per_conn'), 3) : '–'} | ${fmt(median(rs, 'connect.seq.cps'))} | ${total(rs, 'connect.seq.fails') + total(rs, 'connect.par64.fails')} | ${mode === GATE ? '' : ratio(rate, base)} |`);
  }
  if (!workers) lines.push('', '`sshgate serve -h` has no -workers flag in this build: the gate is measured as one process only.');
  return [...lines, ...modes.flatMap((m) => errors(m, runs.get(m)))];
}

function clusterLines(section) {
  const c = section.cluster;
  if (c.skipped) return ['### Cluster on vs off', '', `Skipped: ${c.skipped}.`];
  const [so, sn, ho, hn] = [ok(c.socks.off), ok(c.socks.on), ok(c.ssh.off), ok(c.ssh.on)];
  const lines = ['### Cluster on vs off (one process, `[cluster] redis_url` on a fresh redis-server per run vs none; off, on, on, off per round)', '',
    `Runs: SOCKS5 ${so.length}/${c.socks.off.length} off, ${sn.length}/${c.socks.on.length} on; SSH ${ho.length}/${c.ssh.off.length} off, ${hn.length}/${c.ssh.on.length} on.`, '',
    '| metric | cluster off | cluster on | on / off | target (issue 13) | verdict |', '|---|---|---|---|---|---|'];
  const row = (label, get, min, digits) => {
    const [a, b] = [get(so, ho), get(sn, hn)];
    lines.push(`| ${label} | ${fmt(a, digits)} | ${fmt(b, digits)} | ${ratio(b, a)} | ${min ? `on / off ≥ ${min.toFixed(2)}` : ''} | ${min ? verdict(b, a, min) : ''} |`);
  };
  row('SOCKS5 connect+echo 64 in flight (conn/s)', (s) => median(s, 'connect.par64.cps'), 0.9);
  row('SOCKS5 connect+echo sequential (conn/s)', (s) => median(s, 'connect.seq.cps'), 0.9);
  row('sks5 CPU ms per connection, 64 in flight (lower = better)', (s) => median(s, 'connect.par64.proxy_cpu_ms_per_conn'), 0, 3);
  row('redis-server CPU ms per connection, 64 in flight', (s) => median(s, 'connect.par64.pid2_cpu_ms_per_conn'), 0, 3);
  row('SOCKS5 bulk upload x1 (MB/s)', (s) => median(s, 'bulk.up_x1.MBps'), 0.97);
  row('SOCKS5 bulk download x1 (MB/s)', (s) => median(s, 'bulk.down_x1.MBps'), 0.97);
  row('sks5 CPU s per GB, SOCKS5 (lower = better)', (s) => cpuPerGB(s), 0, 2);
  row(`SSH bulk download, 1 \`ssh -D\` client, ${c.cipher.replace('@openssh.com', '')} (MB/s)`, (_, h) => median(h, 'MBps'), 0.97);
  row('sks5 CPU s per GB, SSH (lower = better)', (_, h) => median(h, 'server_s_per_GB'), 0, 2);
  row('redis-server CPU s during the SSH run', (_, h) => median(h, 'redis_cpu_s'), 0, 2);
  return [...lines, ...errors('cluster off', c.socks.off), ...errors('cluster on', c.socks.on), ...errors('cluster off ssh', c.ssh.off), ...errors('cluster on ssh', c.ssh.on)];
}

/** The workers targets of issue 13, each with the two figures it compares. */
function workersTargets(section) {
  const out = ['### Targets of issue 13 (workers = 2), from the medians above', ''];
  const w2 = ok(section.socks.get(W2));
  const d = ok(section.socks.get(DANTED));
  if (d.length && w2.length) {
    const [a, b] = [median(w2, 'connect.par64.cps'), median(d, 'connect.par64.cps')];
    out.push(`- SOCKS5 connects, 64 in flight, at least danted's: ${fmt(a)} vs ${fmt(b)} conn/s (${ratio(a, b)}): **${verdict(a, b, 1)}**.`);
  }
  const w2k = ok(section.socks.get(W2K));
  if (d.length && w2k.length) {
    const [a, b] = [median(w2k, 'connect.par64.cps'), median(d, 'connect.par64.cps')];
    out.push(`- The same with \`worker_distribution = "kernel"\` (the workers accept themselves): ${fmt(a)} vs ${fmt(b)} conn/s (${ratio(a, b)}): **${verdict(a, b, 1)}**.`);
  }
  for (const row of section.ssh?.rows ?? []) {
    if (!row.runs.has(SSHD)) break;
    const short = row.cipher.replace('@openssh.com', '');
    for (const k of CLIENTS.filter((x) => x > 1)) {
      const ours = withDerived(ok(row.runs.get(W2)).filter((r) => r.clients === k));
      const ref = withDerived(ok(row.runs.get(SSHD)).filter((r) => r.clients === k));
      const [a, b] = [median(ours, 'MBps'), median(ref, 'MBps')];
      const [sa, sb] = [median(ours, 'spread'), median(ref, 'spread')];
      out.push(`- SSH ${short}, ${k} clients, total at least sshd's: ${fmt(a)} vs ${fmt(b)} MB/s (${ratio(a, b)}): **${verdict(a, b, 1)}**; per-stream spread (fastest / slowest) no wider than sshd's: ${fmt(sa, 2)} vs ${fmt(sb, 2)}: **${verdict(sb, sa, 1)}**.`);
    }
  }
  return out;
}

export function scaleTable(section) {
  return [
    ...(section.socksPeers.length ? [...socksLines(section), ''] : []),
    ...(section.ssh ? [...sshLines(section), ''] : []),
    ...(section.socksPeers.length || section.ssh ? [...workersTargets(section), ''] : []),
    ...(section.gate ? [...gateLines(section), ''] : []),
    ...(section.cluster ? [...clusterLines(section), ''] : []),
    ...section.skipped.map((s) => `- ${s}`),
    `Scale section: ${section.secs.toFixed(0)} s.`,
  ].join('\n');
}
