/**
 * The demo's configuration, built in memory and validated by the one schema like any file. Every
 * listener is on 127.0.0.1. The anti-SSRF guard is off here, and only here, because the demo's own
 * target lives on loopback; the ACL then allows that one address and port and denies the rest.
 */
import { join } from 'node:path';
import type { ConfigInput } from '../../config/schema.js';

export const DEMO_USERS = ['alice', 'bob', 'charlie'] as const;

export interface DemoConfigInput {
  readonly sshPort: number;
  readonly socks5Port: number;
  readonly apiPort: number;
  readonly dataDir: string;
  readonly apiToken: string;
  /** One Argon2id hash per user, in DEMO_USERS order. */
  readonly passwordHashes: readonly [string, string, string];
  readonly target: { host: string; port: number };
}

const MIB = 1024 * 1024;

export function buildDemoConfig(input: DemoConfigInput): ConfigInput {
  const [alice, bob, charlie] = input.passwordHashes;
  const targetRule = `${input.target.host}:${input.target.port}`;
  return {
    server: {
      ssh_listen: `127.0.0.1:${input.sshPort}`,
      socks5_listen: `127.0.0.1:${input.socks5Port}`,
      host_key_path: join(input.dataDir, 'host_key'),
      banner: 'Welcome to the sks5 demo',
      // The demo's own tunnels are stopped before shutdown; an operator's curl gets 5 s to finish.
      shutdown_timeout: 5,
    },
    shell: { hostname: 'sks5-demo', prompt: 'demo$ ' },
    security: { ip_guard_enabled: false, ban_enabled: true },
    logging: { level: 'warn', format: 'pretty' },
    metrics: { enabled: true, listen: '127.0.0.1:0' },
    api: { enabled: true, listen: `127.0.0.1:${input.apiPort}`, token: input.apiToken },
    acl: { default_policy: 'deny', allow: [targetRule], deny: [] },
    persistence: { data_dir: input.dataDir },
    groups: [
      { name: 'ops', max_bandwidth_kbps: 0 },
      { name: 'dev', quotas: { daily_bandwidth_bytes: 512 * MIB } },
    ],
    users: [
      { username: 'alice', password_hash: alice, role: 'admin', group: 'ops', allow_shell: true, quotas: { daily_bandwidth_bytes: 1024 * MIB, daily_connection_limit: 100_000 } },
      { username: 'bob', password_hash: bob, group: 'dev', allow_shell: true, quotas: { daily_bandwidth_bytes: 256 * MIB, monthly_bandwidth_bytes: 4096 * MIB } },
      { username: 'charlie', password_hash: charlie, group: 'dev', allow_shell: true },
    ],
  };
}
