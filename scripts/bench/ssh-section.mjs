// SSH path: `ssh -N -D` (OpenSSH client) through our server vs through OpenSSH's own sshd, same
// client, same key, per cipher. The harness measures through the client's local SOCKS port; the
// client is --pid, the server --pid2, so the server's CPU is reported on its own.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuPerGB, fmt, harnessDir, median, ratio, runHarness, total } from './harness.mjs';
import { freePort, sleep, startProcess, stopProcess, waitPort } from './processes.mjs';
import { BENCH_USER, startOurs } from './ours-server.mjs';
import { socksConnect, withEchoServer } from './socks-probe.mjs';

export const CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com'];
export const SSHD_USER = 'sksbench'; // the account the peers were measured with (run-peers.sh setup_ssh)

const BULK_CONNECT = { phases: 'bulk,connect' };

const sh = (cmd) => spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 30_000 });

/** Client key pair (and a host key for sshd) in the run's temp dir; kept when an earlier section made them. */
export function makeKeys(dir) {
  for (const name of ['id_ed25519', 'ssh_host_ed25519_key']) {
    if (existsSync(join(dir, name))) continue;
    const r = sh(`ssh-keygen -q -t ed25519 -N '' -C sks5-bench -f ${JSON.stringify(join(dir, name))}`);
    if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  }
  return readFileSync(join(dir, 'id_ed25519.pub'), 'utf8').trim();
}

/**
 * Prepares OpenSSH's sshd like the peer run did: throwaway account, config from the shared
 * template with our temp dir and a free port. Returns { template }, or { skip: reason } when not possible.
 */
export function prepareSshd(root, dir, pubKey) {
  if (!existsSync('/usr/sbin/sshd')) return { skip: '/usr/sbin/sshd not installed' };
  const template = join(harnessDir(root), 'peers', 'sshd_config');
  if (!existsSync(template)) return { skip: `${template} not found` };
  if (sh(`id ${SSHD_USER}`).status !== 0) {
    if (process.getuid?.() !== 0) return { skip: `user ${SSHD_USER} missing and not root` };
    // '*' = no password but not locked: with UsePAM no, '!' would refuse even public keys.
    const r = sh(`useradd -m -s /bin/bash ${SSHD_USER} && usermod -p '*' ${SSHD_USER}`);
    if (r.status !== 0) return { skip: `useradd failed: ${r.stderr.trim()}` };
  }
  mkdirSync('/run/sshd', { recursive: true });
  // sshd reads authorized_keys as the target user: the temp dir (0700 from mkdtemp) must be traversable.
  chmodSync(dir, 0o711);
  writeFileSync(join(dir, 'authorized_keys'), `${pubKey}\n`, { mode: 0o644 });
  return { template };
}

export async function startSshd(dir, template) {
  const port = await freePort();
  const config = readFileSync(template, 'utf8').replaceAll('@RUN@', dir).replace(/^Port \d+$/m, `Port ${port}`);
  const path = join(dir, 'sshd_config');
  writeFileSync(path, config);
  const proc = startProcess('sshd', '/usr/sbin/sshd', ['-D', '-e', '-f', path], { logPath: join(dir, 'sshd.log') });
  await waitPort(port, proc);
  return { proc, port };
}

export async function startClient(dir, serverPort, user, cipher) {
  const local = await freePort();
  const proc = startProcess(`ssh -D ${cipher}`, 'ssh', ['-N', '-p', String(serverPort), '-i', join(dir, 'id_ed25519'),
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
    '-o', 'ExitOnForwardFailure=yes', '-o', 'LogLevel=ERROR', '-c', cipher, '-D', `127.0.0.1:${local}`, `${user}@127.0.0.1`],
  { logPath: join(dir, `ssh-client-${user}.log`) });
  await waitPort(local, proc);
  return { proc, local };
}

/** One CONNECT + 4-byte echo through the client's SOCKS port: proves the server forwards channels. */
export function probeForwarding(socksPort) {
  return withEchoServer(async (targetPort) => (await socksConnect({ proxyPort: socksPort, targetPort })).echoed);
}

async function measureOne(ctx, label, server, user, cipher, phases) {
  let client;
  try {
    client = await startClient(ctx.dir, server.port, user, cipher);
    if (!(await probeForwarding(client.local))) return { label, error: 'no forwarding through ssh -D' };
    return await runHarness(ctx.root, {
      label, proxy: `127.0.0.1:${client.local}`, pid: client.proc.pid, pid2: server.proc.pid,
      duration: ctx.duration, streams: ctx.sshStreams, ...phases,
    }, ctx.sshRunBudgetSecs);
  } catch (err) {
    return { label, error: err.message };
  } finally { await stopProcess(client?.proc); }
}

async function measureOurs(ctx, pubKey, cipher, phases = BULK_CONNECT) {
  let ours;
  try {
    const s = await startOurs(ctx.root, ctx.dir, { withSocks: false, passwordHash: ctx.passwordHash, authorizedKey: pubKey, label: 'ssh' });
    ours = { proc: s.proc, port: s.sshPort };
    ctx.oursLogs.add(s.logPath);
    return await measureOne(ctx, `sks5 ${cipher}`, ours, BENCH_USER, cipher, phases);
  } catch (err) {
    return { label: `sks5 ${cipher}`, error: `sks5 did not start its SSH listener: ${err.message}` };
  } finally { await stopProcess(ours?.proc); }
}

async function measureSshd(ctx, template, cipher, phases = BULK_CONNECT) {
  let server;
  try {
    server = await startSshd(ctx.dir, template);
    return await measureOne(ctx, `sshd ${cipher}`, server, SSHD_USER, cipher, phases);
  } catch (err) {
    return { label: `sshd ${cipher}`, error: err.message };
  } finally { await stopProcess(server?.proc); }
}

/**
 * Rounds outer, ciphers and servers inner (noise spreads over both servers). Returns
 * { skipped: reason } when our SSH door does not forward at all, else
 * { rows: [{ cipher, ours: [results], openssh: [results] }], opensshSkip }.
 */
export async function runSshSection(ctx) {
  const pubKey = makeKeys(ctx.dir);
  const sshd = prepareSshd(ctx.root, ctx.dir, pubKey);
  const rows = ctx.ciphers.map((cipher) => ({ cipher, ours: [], openssh: [] }));
  for (let round = 1; round <= ctx.rounds; round++) {
    for (const row of rows) {
      process.stderr.write(`SSH round ${round}/${ctx.rounds} ${row.cipher}: sks5\n`);
      const ours = await measureOurs(ctx, pubKey, row.cipher);
      // First attempt failed outright: the SSH door is not there (yet); say so instead of failing.
      if (ours.error && round === 1 && row === rows[0]) return { skipped: ours.error };
      row.ours.push(ours);
      await sleep(500);
      if (sshd.skip) continue;
      process.stderr.write(`SSH round ${round}/${ctx.rounds} ${row.cipher}: OpenSSH sshd\n`);
      row.openssh.push(await measureSshd(ctx, sshd.template, row.cipher));
      await sleep(500);
    }
  }
  // Held channels (all on one SSH connection) on freshly started servers, first cipher only: after
  // the bulk phases the server's RSS is dominated by buffers it may free while holding.
  const hold = { cipher: ctx.ciphers[0], ours: [], openssh: [] };
  if (ctx.sshHold) {
    const phases = { phases: 'hold', hold: ctx.sshHold };
    process.stderr.write(`SSH hold ${ctx.sshHold} ${hold.cipher}: sks5\n`);
    hold.ours.push(await measureOurs(ctx, pubKey, hold.cipher, phases));
    await sleep(500);
    if (!sshd.skip) {
      process.stderr.write(`SSH hold ${ctx.sshHold} ${hold.cipher}: OpenSSH sshd\n`);
      hold.openssh.push(await measureSshd(ctx, sshd.template, hold.cipher, phases));
    }
  }
  return { rows, hold, opensshSkip: sshd.skip ?? null };
}

/** Markdown: per cipher, a row for each server (medians over rounds) and one ratio row. */
export function sshTable(section, ctx) {
  if (section.skipped) return `SSH: skipped (not available): ${section.skipped}`;
  const cols = [];
  for (const n of ctx.sshStreams.split(',')) cols.push([`up x${n} MB/s`, `bulk.up_x${n}.MBps`], [`down x${n} MB/s`, `bulk.down_x${n}.MBps`]);
  cols.push(['seq conn/s', 'connect.seq.cps'], ['par64 conn/s', 'connect.par64.cps']);
  const head = ['cipher', 'server', 'runs', ...cols.map((c) => c[0]), 'seq p50 / p99 ms', 'server CPU s/GB', 'client CPU s/GB', 'server CPU ms/conn', 'fails'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const errors = [];
  const good = (runs) => runs.filter((r) => !r.error);
  const line = (cipher, name, runs) => {
    for (const r of runs) if (r.error) errors.push(`- ${name} ${cipher}: run failed: ${r.error}`);
    const rs = good(runs);
    if (!runs.length) return;
    const fails = total(rs, 'connect.seq.fails') + total(rs, 'connect.par64.fails');
    lines.push(`| ${cipher} | ${name} | ${rs.length}/${runs.length} | ${cols.map(([, p]) => fmt(median(rs, p))).join(' | ')} | ${fmt(median(rs, 'connect.seq.p50_ms'), 2)} / ${fmt(median(rs, 'connect.seq.p99_ms'), 2)} | ${fmt(cpuPerGB(rs, 'pid2_cpu_s_per_GB'), 2)} | ${fmt(cpuPerGB(rs), 2)} | ${fmt(median(rs, 'connect.par64.pid2_cpu_ms_per_conn'), 3)} | ${fails} |`);
  };
  for (const { cipher, ours, openssh } of section.rows) {
    const short = cipher.replace('@openssh.com', '');
    line(short, 'sks5', ours);
    line(short, 'OpenSSH sshd', openssh);
    const [o, s] = [good(ours), good(openssh)];
    if (o.length && s.length) {
      const rr = (p) => ratio(median(o, p), median(s, p));
      lines.push(`| ${short} | **sks5 / sshd** | | ${cols.map(([, p]) => rr(p)).join(' | ')} | | ${ratio(cpuPerGB(o, 'pid2_cpu_s_per_GB'), cpuPerGB(s, 'pid2_cpu_s_per_GB'))} | | ${rr('connect.par64.pid2_cpu_ms_per_conn')} | |`);
    }
  }
  if (errors.length) lines.push('', ...errors);
  if (ctx.sshHold) lines.push('', ...sshHoldLines(section.hold, ctx.sshHold));
  if (section.opensshSkip) lines.push('', `OpenSSH sshd: not measured (${section.opensshSkip}).`);
  return lines.join('\n');
}

/** Held channels (all on one SSH connection): open count, failures, memory of client and server. */
function sshHoldLines(row, holds) {
  if (!row || (!row.ours.length && !row.openssh.length)) return [];
  const lines = [`Held channels through one \`ssh -D\` connection (${row.cipher.replace('@openssh.com', '')}, freshly started server, one run); memory growth per channel, client (ssh) / server:`, '',
    '| server | held | opened of requested / echo ok | failures | open s | server RSS idle → holding MiB | KiB per channel client / server |', '|---|---|---|---|---|---|---|'];
  for (const [name, runs] of [['sks5', row.ours], ['OpenSSH sshd', row.openssh]]) {
    for (const r of runs) if (r.error) lines.push(`| ${name} | ${holds} | failed: ${r.error} |`);
    const rs = runs.filter((r) => !r.error && r.hold);
    for (const c of holds.split(',')) {
      const p = `hold.c${c}`;
      if (!rs.some((r) => at(r, p))) continue;
      lines.push(`| ${name} | ${c} | ${fmt(median(rs, `${p}.opened`), 0)} of ${c} / ${fmt(median(rs, `${p}.echo_ok`), 0)} | ${total(rs, `${p}.open_fails`) + total(rs, `${p}.echo_fail`)} | ${fmt(median(rs, `${p}.open_secs`), 2)} | ${fmt(median(rs, `${p}.pid2_before.rss_mib`), 0)} → ${fmt(median(rs, `${p}.pid2_holding.rss_mib`), 0)} | ${fmt(median(rs, `${p}.rss_per_conn_kib`), 1)} / ${fmt(median(rs, `${p}.pid2_rss_per_conn_kib`), 1)} |`);
    }
  }
  return lines;
}

const at = (obj, path) => path.split('.').reduce((a, k) => (a == null ? a : a[k]), obj);
