// Scale section (issue 13): the same machine with `[server] workers = 1` and `= 2`, and one instance
// with and without `[cluster] redis_url`, side by side in one run against the peers the issue names:
//  1. SOCKS5 connect + echo, 64 in flight: sks5 workers=1, workers=2 (default least_connections and
//     worker_distribution = "kernel"), danted (shared socks-bench.mjs);
//  2. SSH bulk: K = 1, 2, 4 `ssh -N -D` clients, one download through each at once (shared
//     ssh-scale.mjs): sks5 workers=1, workers=2, OpenSSH sshd;
//  3. gate connects: `sshgate serve` alone, with -workers 2 (when its help lists the flag), with -redis;
//  4. cluster off / on: SOCKS5 connects and bulk, SSH bulk, with a fresh redis-server per run.
// Peers are interleaved inside each round (order reversed every other round; off/on as ABBA), every
// process is started for its run and stopped by its PID. The harness sums CPU over each server's
// process tree, so a primary and all its workers are counted.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runHarness, runSshScale } from './harness.mjs';
import { freePort, settleTimeWait, sleep, stopProcess } from './processes.mjs';
import { BENCH_PASS, BENCH_USER, startOurs } from './ours-server.mjs';
import { makeKeys, prepareSshd, probeForwarding, SSHD_USER, startClient, startSshd } from './ssh-section.mjs';
import { cpuSecs, dantedInstalled, redisInstalled, startDanted, startGate, startRedis } from './scale-servers.mjs';

export const W1 = 'sks5 workers=1';
export const W2 = 'sks5 workers=2';
export const W2K = 'sks5 workers=2 kernel';
export const DANTED = 'danted';
export const SSHD = 'OpenSSH sshd';
export const CLIENTS = [1, 2, 4];

const say = (s) => process.stderr.write(`Scale: ${s}\n`);

/** `sshgate serve -h` names every flag it has; workers are measured only once it has one. */
function gateHasWorkers(root) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'sshgate'), 'serve', '-h'], { encoding: 'utf8', timeout: 15_000 });
  return /^\s+-workers\b/m.test(`${r.stdout}${r.stderr}`);
}

/** Runs `fn(server)` on a freshly started server and always stops it (and its Redis) by PID. */
async function withServer(start, fn, label) {
  let server;
  try {
    server = await start();
    return await fn(server);
  } catch (err) {
    return { label, error: err.message };
  } finally {
    await stopProcess(server?.proc);
    await stopProcess(server?.redis?.proc);
    await sleep(500); // the last server's memory settles before the next
    await settleTimeWait(); // and enough ephemeral ports are free again
  }
}

async function startSks5(ctx, { label, workers, distribution, redis, withSocks, pubKey, policy }) {
  const r = redis ? await startRedis(ctx.dir) : undefined;
  try {
    const s = await startOurs(ctx.root, ctx.dir, { withSocks, passwordHash: ctx.passwordHash, authorizedKey: pubKey, label, policy, workers, distribution, redisUrl: r?.url });
    ctx.oursLogs.add(s.logPath);
    return { ...s, redis: r };
  } catch (err) {
    await stopProcess(r?.proc);
    throw err;
  }
}

/** socks-bench.mjs through a SOCKS5 door; the primary's own CPU is read around the run (RR accept cost). */
async function socksRun(ctx, label, server, phases, auth) {
  const primary0 = cpuSecs(server.proc.pid);
  const r = await runHarness(ctx.root, {
    label, proxy: server.proxy ?? `127.0.0.1:${server.socksPort}`, ...(auth ? { user: BENCH_USER, pass: BENCH_PASS } : {}),
    pid: server.proc.pid, pid2: server.redis?.proc.pid, duration: ctx.duration, streams: '1', phases,
  }, ctx.socksRunBudgetSecs);
  r.primary_cpu_s = cpuSecs(server.proc.pid) - primary0;
  return r;
}

async function socksConnects(ctx, rounds, out) {
  const peers = [W1, W2, W2K, ...(dantedInstalled() ? [DANTED] : [])];
  for (const p of peers) out.set(p, []);
  for (let round = 1; round <= rounds; round++) {
    for (const name of round % 2 ? peers : [...peers].reverse()) {
      say(`SOCKS5 connects round ${round}/${rounds}: ${name}`);
      const start = name === DANTED ? () => startDanted(ctx.root, ctx.dir)
        : () => startSks5(ctx, { label: { [W1]: 'scale-socks-w1', [W2]: 'scale-socks-w2', [W2K]: 'scale-socks-w2k' }[name], workers: name === W1 ? 1 : 2, distribution: name === W2K ? 'kernel' : undefined, withSocks: true, policy: 'full' });
      out.get(name).push(await withServer(start, (s) => socksRun(ctx, name, s, 'connect', name !== DANTED), name));
    }
  }
  return peers;
}

/** K clients at once on one running server; each client proves it forwards before the window. */
async function sshClients(ctx, server, user, cipher, k, label) {
  const clients = [];
  try {
    clients.push(...await Promise.all(Array.from({ length: k }, () => startClient(ctx.dir, server.sshPort, user, cipher))));
    for (const c of clients) if (!(await probeForwarding(c.local))) return { label, clients: k, error: 'no forwarding through ssh -D' };
    const redis0 = server.redis ? cpuSecs(server.redis.proc.pid) : Number.NaN;
    const r = await runSshScale(ctx.root, {
      label, proxies: clients.map((c) => `127.0.0.1:${c.local}`).join(','), pid: clients.map((c) => c.proc.pid).join(','),
      pid2: server.proc.pid, duration: ctx.duration, dir: 'down',
    }, 30 + ctx.duration * 3);
    if (server.redis) r.redis_cpu_s = cpuSecs(server.redis.proc.pid) - redis0;
    return r;
  } catch (err) {
    return { label, clients: k, error: err.message };
  } finally {
    await Promise.all(clients.map((c) => stopProcess(c.proc)));
  }
}

async function sshScale(ctx, rounds, pubKey, sshd) {
  const rows = [];
  const servers = [W1, W2, ...(sshd.skip ? [] : [SSHD])];
  for (const cipher of ctx.ciphers) {
    const row = { cipher, runs: new Map(servers.map((s) => [s, []])) };
    rows.push(row);
    for (let round = 1; round <= rounds; round++) {
      for (const name of round % 2 ? servers : [...servers].reverse()) {
        say(`SSH bulk round ${round}/${rounds} ${cipher}: ${name}, ${CLIENTS.join('/')} clients`);
        const start = name === SSHD ? async () => { const s = await startSshd(ctx.dir, sshd.template); return { proc: s.proc, sshPort: s.port }; }
          : () => startSks5(ctx, { label: name === W1 ? 'scale-ssh-w1' : 'scale-ssh-w2', workers: name === W1 ? 1 : 2, pubKey, policy: 'standard' });
        const user = name === SSHD ? SSHD_USER : BENCH_USER;
        const got = await withServer(start, async (s) => {
          const byK = [];
          for (const k of CLIENTS) byK.push(await sshClients(ctx, s, user, cipher, k, `${name} ${cipher.replace('@openssh.com', '')}`));
          return byK;
        }, name);
        row.runs.get(name).push(...(Array.isArray(got) ? got : CLIENTS.map((k) => ({ ...got, clients: k }))));
      }
    }
  }
  return { rows, servers };
}

export const GATE = 'sshgate serve';
export const GATE_W2 = 'sshgate serve -workers 2';
export const GATE_REDIS = 'sshgate serve -redis';

/**
 * Gate connects (TCP + ident + KEXINIT + 32-byte echo) through sshgate: one process, two workers
 * when `serve` has the flag, and one process with -redis (approvals shared through Redis).
 */
async function gateConnects(ctx, rounds) {
  const workers = gateHasWorkers(ctx.root);
  const modes = [GATE, ...(workers ? [GATE_W2] : []), ...(redisInstalled() ? [GATE_REDIS] : [])];
  const runs = new Map(modes.map((m) => [m, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const mode of round % 2 ? modes : [...modes].reverse()) {
      say(`gate connects round ${round}/${rounds}: ${mode}`);
      const tag = { [GATE]: 'w1', [GATE_W2]: 'w2', [GATE_REDIS]: 'redis' }[mode];
      runs.get(mode).push(await withServer(async () => {
        const redis = mode === GATE_REDIS ? await startRedis(ctx.dir) : undefined;
        const targetPort = await freePort();
        try {
          const g = await startGate(ctx.root, ctx.dir, { targetPort, redisUrl: redis?.url, label: `scale-gate-${tag}`, workers: mode === GATE_W2 ? 2 : 1 });
          return { ...g, redis, targetPort };
        } catch (err) { await stopProcess(redis?.proc); throw err; }
      }, (g) => runHarness(ctx.root, {
        label: mode, forward: g.forward, 'target-port': g.targetPort, 'ssh-kex': true, 'src-rotate': true,
        pid: g.proc.pid, pid2: g.redis?.proc.pid, duration: ctx.duration, phases: 'connect',
      }, ctx.socksRunBudgetSecs), mode));
    }
  }
  return { runs, modes, workers };
}

/** One instance (workers=1) with and without `[cluster] redis_url`, ABBA inside each round. */
async function clusterOnOff(ctx, rounds, pubKey) {
  const socks = { off: [], on: [] };
  const ssh = { off: [], on: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ['off', 'on', 'on', 'off']) {
      const redis = mode === 'on';
      say(`cluster ${mode} round ${round}/${rounds}: SOCKS5 bulk + connects`);
      socks[mode].push(await withServer(() => startSks5(ctx, { label: `scale-cluster-${mode}`, withSocks: true, policy: 'full', redis }),
        (s) => socksRun(ctx, `cluster ${mode}`, s, 'bulk,connect', true), `cluster ${mode}`));
      say(`cluster ${mode} round ${round}/${rounds}: SSH bulk, 1 client`);
      ssh[mode].push(await withServer(() => startSks5(ctx, { label: `scale-cluster-ssh-${mode}`, pubKey, policy: 'standard', redis }),
        (s) => sshClients(ctx, s, BENCH_USER, ctx.ciphers[0], 1, `cluster ${mode} ssh`), `cluster ${mode} ssh`));
    }
  }
  return { socks, ssh, cipher: ctx.ciphers[0] };
}

export const PARTS = ['socks', 'ssh', 'gate', 'cluster'];

/** Everything the scale tables need; `ctx.scaleParts` picks parts of PARTS; parts that cannot run say why in `skipped`. */
export async function runScaleSection(ctx) {
  const parts = ctx.scaleParts ?? PARTS;
  const rounds = ctx.rounds;
  const pubKey = makeKeys(ctx.dir);
  const sshd = prepareSshd(ctx.root, ctx.dir, pubKey);
  const t0 = Date.now();
  const socks = new Map();
  const socksPeers = parts.includes('socks') ? await socksConnects(ctx, rounds, socks) : [];
  const ssh = parts.includes('ssh') ? await sshScale(ctx, rounds, pubKey, sshd) : undefined;
  const gate = parts.includes('gate') ? await gateConnects(ctx, rounds) : undefined;
  const cluster = !parts.includes('cluster') ? undefined
    : redisInstalled() ? await clusterOnOff(ctx, rounds, pubKey) : { skipped: 'redis-server not installed (apt-get install redis-server)' };
  return {
    socks, socksPeers, ssh, gate, cluster, secs: (Date.now() - t0) / 1000,
    skipped: [
      ...(dantedInstalled() || !parts.includes('socks') ? [] : ['danted: not installed (apt-get install dante-server), column omitted']),
      ...(sshd.skip && parts.includes('ssh') ? [`OpenSSH sshd: not measured (${sshd.skip})`] : []),
    ],
  };
}
