// Starts bin/sks5 for the benchmark on loopback only, with Argon2id password auth and one of three
// policy levels (see policyToml): the SOCKS5 section compares 'full' with 'off'.
import argon2 from 'argon2';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, waitPort } from './processes.mjs';
import { waitWorkersAccepting } from './workers-ready.mjs';

export const BENCH_USER = 'bench';
export const BENCH_PASS = 'benchpw';

/** Argon2id PHC string for BENCH_PASS, made by our own CLI (the same path an operator uses). */
export function hashBenchPassword(root) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'sks5'), 'hash-password', '-p', BENCH_PASS], { encoding: 'utf8', timeout: 30_000 });
  const hash = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !hash.startsWith('$argon2')) throw new Error(`sks5 hash-password failed: ${r.stderr || r.error?.message}`);
  return hash;
}

/**
 * Argon2id at 1 MiB / 1 pass (~0.7 ms per verify here instead of ~25 ms): the same auth code path
 * with the KDF cost taken out, to show how much of the per-connection cost is the hash itself.
 */
export const LIGHT_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
export function hashBenchPasswordLight() {
  return argon2.hash(BENCH_PASS, { type: argon2.argon2id, ...LIGHT_ARGON2 });
}

const q = (s) => JSON.stringify(s); // TOML basic strings accept JSON string escapes

/** Far above anything a run does (a 3 s window at a few thousand conn/s, 5000 held tunnels, a few GB). */
const NEVER = { perSecond: 1_000_000, perMinute: 10_000_000, perHour: 100_000_000, concurrent: 1_000_000, bytes: 1_000_000_000_000_000 };

/**
 * The policy blocks of one benchmark server.
 *  - 'standard' (SSH section): default-deny ACL with rules, user quotas counted, bans off.
 *  - 'full' (SOCKS5 sks5 and light-hash): every admission and quota check switched on with limits
 *    never reached: source allow-list, bans, IP reputation, per-IP / server / per-user connection
 *    rates, global and per-user concurrency caps, daily / monthly / hourly / lifetime quotas, ACL rules.
 *  - 'off' (SOCKS5 policy-off): as little admission and quota work as the config allows: no
 *    allow-list, bans and reputation off, no rates, no caps (0 = unlimited), no quotas, ACL default
 *    allow without rules. What is left runs on every connection whatever the config (the ledger
 *    still counts bytes for the API, the ACL is still asked).
 */
function policyToml(policy) {
  if (policy === 'off') {
    return {
      limits: 'max_connections = 0\nmax_connections_per_user = 0\nper_source_max_startups = 0',
      security: 'ban_enabled = false\nip_reputation_enabled = false',
      acl: 'default_policy = "allow"',
      user: '',
    };
  }
  const acl = 'default_policy = "deny"\ndeny = ["169.254.0.0/16:*", "10.0.0.0/8:25", "*.internal.example:*"]\nallow = ["127.0.0.0/8:1024-65535", "localhost:*"]';
  const userAcl = '[users.acl]\ndeny = ["*.example.com:*", "127.0.0.1:22"]';
  if (policy === 'standard') {
    return {
      limits: 'max_connections = 0',
      security: 'ban_enabled = false',
      acl,
      user: `${userAcl}\n\n[users.quotas]\ndaily_bandwidth_bytes = ${NEVER.bytes}\ndaily_connection_limit = 100000000`,
    };
  }
  return {
    limits: [
      `max_connections = ${NEVER.concurrent}`, `max_connections_per_user = ${NEVER.concurrent}`,
      `max_new_connections_per_second = ${NEVER.perSecond}`, `max_new_connections_per_minute = ${NEVER.perMinute}`,
      // Every harness connection comes from 127.0.0.1: 64 handshakes in flight (128 while opening
      // held tunnels) are over the default per-source pre-auth budget of 32, which would drop them.
      `per_source_max_startups = ${NEVER.concurrent}`,
    ].join('\n'),
    security: [
      'allowed_source_ips = ["127.0.0.0/8", "::1/128"]',
      // Bans and reputation on, no whitelist (a whitelisted source would skip them): the wrong
      // password of the policy check is 1 failure, far under the threshold.
      'ban_enabled = true', 'ban_threshold = 5', 'ban_whitelist = []',
      'ip_reputation_enabled = true', 'ip_reputation_ban_threshold = 100',
      `max_new_connections_per_ip_per_minute = ${NEVER.perMinute}`,
    ].join('\n'),
    acl,
    user: [
      `max_connections = ${NEVER.concurrent}`, `max_new_connections_per_minute = ${NEVER.perMinute}`, '',
      '[users.rate_limits]',
      `connections_per_second = ${NEVER.perSecond}`, `connections_per_minute = ${NEVER.perMinute}`, `connections_per_hour = ${NEVER.perHour}`, '',
      userAcl, '',
      '[users.quotas]',
      ...['daily_bandwidth_bytes', 'monthly_bandwidth_bytes', 'bandwidth_per_hour_bytes', 'total_bandwidth_bytes'].map((k) => `${k} = ${NEVER.bytes}`),
      `daily_connection_limit = ${NEVER.perHour}`, `monthly_connection_limit = ${NEVER.perHour}`,
    ].join('\n'),
  };
}

/**
 * TOML for one benchmark server. `socksPort` absent = SSH only. `policy` picks the admission /
 * quota / ACL blocks (see policyToml); the SSRF guard is always off because the bench target is loopback.
 * `workers` > 1 makes it a primary with that many worker processes; `redisUrl` adds `[cluster]`.
 */
export function oursConfigToml({ dir, socksPort, httpPort, sshPort, passwordHash, authorizedKey, policy = 'standard', workers, distribution, redisUrl }) {
  const p = policyToml(policy);
  return `# generated by scripts/bench.mjs (policy ${policy}${workers ? `, workers ${workers}` : ''}${redisUrl ? ', cluster on' : ''})
[server]
ssh_listen = "127.0.0.1:${sshPort}"
${socksPort ? `socks5_listen = "127.0.0.1:${socksPort}"` : ''}
${httpPort ? `http_proxy_listen = "127.0.0.1:${httpPort}"` : ''}
host_key_path = ${q(join(dir, 'host_key'))}
shutdown_timeout = 1
${workers ? `workers = ${workers}` : ''}${distribution ? `\nworker_distribution = "${distribution}"` : ''}
${redisUrl ? `\n[cluster]\nredis_url = ${q(redisUrl)}\n` : ''}

[limits]
${p.limits}

[security]
ip_guard_enabled = false
${p.security}

[logging]
level = "warn"

[persistence]
data_dir = ${q(join(dir, 'data'))}

[acl]
${p.acl}

[[users]]
username = "${BENCH_USER}"
password_hash = ${q(passwordHash)}
authorized_keys = [${authorizedKey ? q(authorizedKey) : ''}]
${p.user}
`;
}

/** Writes the config into `dir` and starts `bin/sks5 --config`; resolves once the listeners accept. */
export async function startOurs(root, dir, { withSocks, withHttp, passwordHash, authorizedKey, label, policy, workers, distribution, redisUrl }) {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const socksPort = withSocks ? await freePort() : undefined;
  const httpPort = withHttp ? await freePort() : undefined;
  const sshPort = await freePort();
  const configPath = join(dir, `${label}.toml`);
  writeFileSync(configPath, oursConfigToml({ dir, socksPort, httpPort, sshPort, passwordHash, authorizedKey, policy, workers, distribution, redisUrl }));
  const logPath = join(dir, `${label}.log`);
  const proc = startProcess(`sks5 ${label}`, process.execPath, [join(root, 'bin', 'sks5'), '--config', configPath], { logPath, cwd: dir });
  try {
    await waitPort(sshPort, proc);
    if (socksPort) await waitPort(socksPort, proc);
    if (httpPort) await waitPort(httpPort, proc);
    // The first worker to listen opens the port; the others may still be loading.
    if (workers > 1) await waitWorkersAccepting(proc, workers, [sshPort, socksPort, httpPort].filter(Boolean));
  } catch (err) {
    // The run's temp dir is deleted at the end: keep the server's last words in the report.
    if (proc.exited) await proc.done; // a listener that never came up leaves the process running: stopped later
    const tail = existsSync(logPath) ? readFileSync(logPath, 'utf8').trim().split('\n').slice(-2).join(' / ').slice(0, 300) : '';
    throw new Error(`${err.message}${tail ? `; log: ${tail}` : ''}`);
  }
  return { proc, socksPort, httpPort, sshPort, logPath };
}
