/**
 * Starting configs for `init --preset` and `quick-start` (reference 3, "Presets"). Built as objects
 * and validated by the same schema as any file; secrets the original left as placeholders (API token,
 * a TOTP seed for the bastion's required TOTP) are generated so the result is usable as written.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { ConfigInput } from './schema.js';

export const PRESETS = ['bastion', 'proxy', 'dev'] as const;
export type PresetName = (typeof PRESETS)[number];

export interface PresetInput {
  readonly username: string;
  readonly passwordHash: string;
  /** Generated when absent; the caller prints it. */
  readonly apiToken?: string;
  /** Used by the bastion preset (TOTP required); generated when absent. */
  readonly totpSecret?: string;
}

export interface PresetResult {
  readonly config: ConfigInput;
  /** Secrets generated here, to show the operator once. */
  readonly generated: { apiToken?: string; totpSecret?: string };
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 20 characters from a 57-symbol alphabet without look-alikes: about 116 bits. */
export function generatePassword(length = 20): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** 160-bit base32 seed (RFC 4226 recommends at least 128 bits). */
export function generateTotpSecret(): string {
  const bytes = randomBytes(20);
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

const METADATA_AND_PRIVATE = ['169.254.169.254:*', '10.0.0.0/8:*', '172.16.0.0/12:*', '192.168.0.0/16:*'];

export function buildPreset(name: PresetName, input: PresetInput): PresetResult {
  const apiToken = input.apiToken ?? generateToken();
  const generated: { apiToken?: string; totpSecret?: string } = input.apiToken === undefined ? { apiToken } : {};
  const user = { username: input.username, password_hash: input.passwordHash, allow_shell: true };
  switch (name) {
    case 'bastion': {
      const totpSecret = input.totpSecret ?? generateTotpSecret();
      if (input.totpSecret === undefined) generated.totpSecret = totpSecret;
      return {
        generated,
        config: {
          server: { ssh_listen: '0.0.0.0:2222', host_key_path: 'host_key', banner: 'Authorized access only', shutdown_timeout: 30 },
          shell: { hostname: 'bastion', prompt: 'bastion$ ' },
          limits: { max_connections: 100, max_connections_per_user: 5, connection_timeout: 300, idle_timeout: 600, max_auth_attempts: 3, socks5_handshake_timeout: 15 },
          security: { ban_enabled: true, ban_threshold: 3, ban_window: 300, ban_duration: 3600, ip_guard_enabled: true, totp_required_for: ['ssh', 'socks5'] },
          logging: { level: 'info', format: 'json', audit_log_path: 'audit.log', audit_max_size_mb: 100, audit_max_files: 10 },
          metrics: { enabled: true, listen: '127.0.0.1:9090' },
          api: { enabled: true, listen: '127.0.0.1:9091', token: apiToken },
          acl: { default_policy: 'deny', allow: [], deny: METADATA_AND_PRIVATE },
          users: [{ ...user, totp_enabled: true, totp_secret: totpSecret, role: 'admin', acl: { default_policy: 'deny', allow: ['*:443', '*:80', '*:8080', '*:8443'], deny: [] } }],
        },
      };
    }
    case 'proxy':
      return {
        generated,
        config: {
          server: { ssh_listen: '0.0.0.0:2222', socks5_listen: '0.0.0.0:1080', host_key_path: 'host_key', banner: 'Welcome to sks5 proxy', dns_cache_ttl: 300, connect_retry: 2 },
          limits: { max_connections: 1000, max_connections_per_user: 50, connection_timeout: 300, idle_timeout: 0, max_auth_attempts: 5, socks5_handshake_timeout: 30 },
          security: { ban_enabled: true, ban_threshold: 10, ban_window: 300, ban_duration: 600, ip_guard_enabled: true },
          logging: { level: 'info', format: 'pretty' },
          metrics: { enabled: true, listen: '127.0.0.1:9090' },
          api: { enabled: true, listen: '127.0.0.1:9091', token: apiToken },
          acl: { default_policy: 'allow', allow: [], deny: ['169.254.169.254:*'] },
          users: [{ ...user, acl: { default_policy: 'allow', deny: ['169.254.169.254:*'] } }],
        },
      };
    case 'dev':
      return {
        generated,
        config: {
          server: { ssh_listen: '127.0.0.1:2222', socks5_listen: '127.0.0.1:1080', host_key_path: 'host_key', banner: 'sks5 dev mode' },
          shell: { hostname: 'sks5-dev', prompt: 'dev$ ', colors: true },
          limits: { max_connections: 100, connection_timeout: 600, idle_timeout: 0, max_auth_attempts: 10, socks5_handshake_timeout: 60 },
          security: { ban_enabled: false, ban_threshold: 100, ip_guard_enabled: false },
          logging: { level: 'debug', format: 'pretty', connection_flow_logs: true },
          metrics: { enabled: true, listen: '127.0.0.1:9090' },
          api: { enabled: true, listen: '127.0.0.1:9091', token: apiToken },
          acl: { default_policy: 'allow' },
          users: [{ ...user, role: 'admin', acl: { default_policy: 'allow' } }],
        },
      };
  }
}

/** The config `init` writes without --preset: one user, SSH only, everything else default. */
export function buildMinimalConfig(input: { username: string; passwordHash: string; sshListen?: string }): ConfigInput {
  return {
    server: { ssh_listen: input.sshListen ?? '0.0.0.0:2222', host_key_path: 'host_key' },
    users: [{ username: input.username, password_hash: input.passwordHash }],
  };
}

/** quick-start: one user, SSH plus optional SOCKS5, defaults for the rest. */
export function buildQuickStartConfig(input: { username: string; passwordHash: string; sshListen: string; socks5Listen?: string; dataDir?: string; api?: { listen: string; token: string } }): ConfigInput {
  return {
    server: { ssh_listen: input.sshListen, ...(input.socks5Listen !== undefined ? { socks5_listen: input.socks5Listen } : {}), host_key_path: 'host_key' },
    ...(input.dataDir !== undefined ? { persistence: { data_dir: input.dataDir } } : {}),
    // The dashboard is served by the API listener, so one flag turns on both.
    ...(input.api !== undefined ? { api: { enabled: true, listen: input.api.listen, token: input.api.token } } : {}),
    users: [{ username: input.username, password_hash: input.passwordHash }],
  };
}
