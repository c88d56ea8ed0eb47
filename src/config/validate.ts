/**
 * Cross-field checks the schema cannot express: each returns `path: message` strings so that
 * `check-config` lists every problem with the key to edit. ACL rules, time windows and maintenance
 * schedules are compiled here, at load, so a bad CIDR never surfaces mid-connection.
 */
import { isIP } from 'node:net';
import { AclSyntaxError, aclWarnings, compileAcl } from '../policy/acl.js';
import { validateMaintenanceWindows } from '../policy/maintenance-schedule.js';
import { isForbiddenAddress } from '../policy/ssrf.js';
import { parseSsrfExemption } from '../policy/ssrf-guard.js';
import { validateTimeAccess } from '../policy/time-window.js';
import { parseKeyLine } from './key-line.js';
import type { Config, TimeAccessConfig } from './schema.js';

export interface ValidateOptions {
  /** Injected so the checks stay pure in tests; the CLI passes fs.existsSync. */
  readonly fileExists: (path: string) => boolean;
}

export interface ValidationResult {
  readonly issues: string[];
  readonly warnings: string[];
}

const MIN_API_TOKEN = 16;

export function validateConfig(config: Config, opts: ValidateOptions): ValidationResult {
  const issues: string[] = [];
  const warnings: string[] = [];
  checkUsers(config, issues, warnings);
  checkGroups(config, issues);
  checkTls(config, opts, issues);
  checkApi(config, issues);
  checkAcls(config, issues, warnings);
  checkTimeAccess(config, issues);
  issues.push(...validateMaintenanceWindows(config.maintenance_windows));
  checkWebhooks(config, issues);
  checkUpstreams(config, issues);
  checkKeys(config, issues, warnings);
  checkMisc(config, issues, warnings);
  return { issues, warnings };
}

function checkUsers(config: Config, issues: string[], warnings: string[]): void {
  const seen = new Map<string, number>();
  const groups = new Set(config.groups.map((g) => g.name));
  const caCanSign = config.security.trusted_user_ca_keys.length > 0;
  config.users.forEach((u, i) => {
    const first = seen.get(u.username);
    if (first !== undefined) issues.push(`users[${i}].username: duplicate username "${u.username}" (also users[${first}])`);
    else seen.set(u.username, i);
    if (u.password_hash === undefined && u.authorized_keys.length === 0 && !caCanSign) {
      issues.push(`users[${i}]: user "${u.username}" has no password_hash and no authorized_keys, so nobody can log in as it`);
    }
    // The original runs such a user with the global settings; so do we, and say so.
    if (u.group !== undefined && !groups.has(u.group)) {
      warnings.push(`users[${i}].group: no [[groups]] entry is named "${u.group}", so user "${u.username}" gets only the global settings (add [[groups]] with name = "${u.group}" to give it group settings)`);
    }
    if (u.password_hash !== undefined && !u.password_hash.startsWith('$argon2')) {
      warnings.push(`users[${i}].password_hash: not an Argon2 PHC string ($argon2id$...), so password login as "${u.username}" always fails; use \`sks5 hash-password\``);
    }
    if (u.totp_enabled && u.totp_secret === undefined) issues.push(`users[${i}].totp_secret: required when totp_enabled = true (use \`sks5 generate-totp\`)`);
    if (u.totp_secret !== undefined && u.totp_secret.replace(/=+$/, '').length < 16) issues.push(`users[${i}].totp_secret: too short; use at least 16 base32 characters (80 bits)`);
    if (config.security.totp_required_for.length > 0 && u.totp_secret === undefined) {
      warnings.push(`users[${i}]: security.totp_required_for is set but user "${u.username}" has no totp_secret, so it cannot log in over ${config.security.totp_required_for.join('/')}`);
    }
  });
}

function checkGroups(config: Config, issues: string[]): void {
  const seen = new Map<string, number>();
  config.groups.forEach((g, i) => {
    const first = seen.get(g.name);
    if (first !== undefined) issues.push(`groups[${i}].name: duplicate group "${g.name}" (also groups[${first}])`);
    else seen.set(g.name, i);
  });
}

function checkTls(config: Config, opts: ValidateOptions, issues: string[]): void {
  for (const door of ['socks5', 'http_proxy'] as const) {
    const certKey = `${door}_tls_cert` as const;
    const keyKey = `${door}_tls_key` as const;
    const cert = config.server[certKey];
    const key = config.server[keyKey];
    if (cert !== undefined && key === undefined) issues.push(`server.${keyKey}: required when ${certKey} is set`);
    if (key !== undefined && cert === undefined) issues.push(`server.${certKey}: required when ${keyKey} is set`);
    if (cert !== undefined && !opts.fileExists(cert)) issues.push(`server.${certKey}: file not found: ${cert}`);
    if (key !== undefined && !opts.fileExists(key)) issues.push(`server.${keyKey}: file not found: ${key}`);
  }
}

function checkApi(config: Config, issues: string[]): void {
  if (config.api.enabled && config.api.token.length < MIN_API_TOKEN) {
    issues.push(`api.token: must be at least ${MIN_API_TOKEN} characters when api.enabled = true`);
  }
}

function checkRules(where: string, acl: { default_policy?: 'allow' | 'deny' | undefined; allow: readonly string[]; deny: readonly string[] }, issues: string[], warnings: string[]): void {
  let ok = true;
  for (const list of ['allow', 'deny'] as const) {
    acl[list].forEach((rule, i) => {
      try {
        compileAcl({ default_policy: 'deny', allow: list === 'allow' ? [rule] : [], deny: list === 'deny' ? [rule] : [] });
      } catch (err) {
        ok = false;
        const message = err instanceof AclSyntaxError ? err.message : `cannot compile: ${(err as Error).message}`;
        issues.push(`${where}.${list}[${i}]: ${message}`);
      }
    });
  }
  if (ok && acl.default_policy !== undefined) {
    for (const w of aclWarnings({ default_policy: acl.default_policy, allow: acl.allow, deny: acl.deny })) warnings.push(`${where}: ${w}`);
  }
}

function checkAcls(config: Config, issues: string[], warnings: string[]): void {
  checkRules('acl', config.acl, issues, warnings);
  config.security.ip_guard_exemptions.forEach((e, i) => {
    try {
      parseSsrfExemption(e);
    } catch (err) {
      issues.push(`security.ip_guard_exemptions[${i}]: ${(err as Error).message.replace(/^invalid ACL rule/, 'invalid exemption')}`);
    }
  });
  config.groups.forEach((g, i) => {
    if (g.acl) checkRules(`groups[${i}].acl`, g.acl, issues, warnings);
  });
  config.users.forEach((u, i) => checkRules(`users[${i}].acl`, u.acl, issues, warnings));
}

function checkTimeAccess(config: Config, issues: string[]): void {
  const check = (where: string, ta: TimeAccessConfig | undefined): void => {
    if (ta) for (const p of validateTimeAccess(ta)) issues.push(`${where}.time_access: ${p}`);
  };
  config.groups.forEach((g, i) => check(`groups[${i}]`, g.time_access));
  config.users.forEach((u, i) => check(`users[${i}]`, u.time_access));
}

/** Webhooks carry audit events out; pointing one at loopback or a private range is an SSRF unless intended. */
function privateHostReason(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'localhost';
  if (isIP(host) === 0) return undefined;
  const v = isForbiddenAddress(host);
  return v.forbidden ? v.range : undefined;
}

function checkWebhooks(config: Config, issues: string[]): void {
  config.webhooks.forEach((w, i) => {
    let url: URL;
    try {
      url = new URL(w.url);
    } catch {
      issues.push(`webhooks[${i}].url: not a valid URL`);
      return;
    }
    const reason = privateHostReason(url.hostname);
    if (reason !== undefined && !w.allow_private_ips) {
      issues.push(`webhooks[${i}].url: ${url.hostname} is a private or local address (${reason}); set allow_private_ips = true if this is intended`);
    }
    if (w.format === 'custom' && w.template === undefined) issues.push(`webhooks[${i}].template: required when format = "custom"`);
  });
  config.alerting.rules.forEach((r, i) => {
    if (r.webhook_url !== undefined && !URL.canParse(r.webhook_url)) issues.push(`alerting.rules[${i}].webhook_url: not a valid URL`);
  });
}

/** Returns a problem with a socks5:// upstream URL, or undefined when it is usable. */
export function upstreamUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a valid URL; expected socks5://[user:pass@]host:port';
  }
  if (url.protocol !== 'socks5:' && url.protocol !== 'socks5h:') return `unsupported scheme "${url.protocol.replace(/:$/, '')}"; only socks5:// is supported`;
  if (url.hostname === '') return 'missing host; expected socks5://[user:pass@]host:port';
  if (url.port === '') return 'missing port; expected socks5://[user:pass@]host:port';
  if (url.pathname !== '' && url.pathname !== '/') return 'unexpected path after host:port';
  return undefined;
}

function checkUpstreams(config: Config, issues: string[]): void {
  const global = config.upstream_proxy?.url;
  if (global !== undefined) {
    const p = upstreamUrlProblem(global);
    if (p) issues.push(`upstream_proxy.url: ${p}`);
  }
  config.users.forEach((u, i) => {
    const p = u.upstream_proxy === undefined ? undefined : upstreamUrlProblem(u.upstream_proxy);
    if (p) issues.push(`users[${i}].upstream_proxy: ${p}`);
  });
}

/**
 * A key line that does not parse (a placeholder, a paste cut short) is skipped at login, so it can
 * only keep its owner out: a warning, like the original, which ignored it too.
 */
function checkKeys(config: Config, issues: string[], warnings: string[]): void {
  config.users.forEach((u, i) => {
    u.authorized_keys.forEach((line, k) => {
      const r = parseKeyLine(line);
      if (typeof r === 'string') warnings.push(`users[${i}].authorized_keys[${k}]: ${r}; this key is ignored`);
    });
  });
  config.security.trusted_user_ca_keys.forEach((line, k) => {
    const r = parseKeyLine(line);
    if (typeof r === 'string') issues.push(`security.trusted_user_ca_keys[${k}]: ${r}`);
    else if (r.type.includes('-cert-')) issues.push(`security.trusted_user_ca_keys[${k}]: expected a CA public key, not a certificate`);
  });
}

function checkMisc(config: Config, issues: string[], warnings: string[]): void {
  const { ssh_listen: ssh, socks5_listen: socks5, http_proxy_listen: http } = config.server;
  const clash = (a: string | undefined, b: string | undefined): boolean => a !== undefined && a === b && !a.endsWith(':0');
  if (clash(socks5, ssh)) issues.push('server.socks5_listen: same address as server.ssh_listen');
  if (clash(http, ssh)) issues.push('server.http_proxy_listen: same address as server.ssh_listen');
  if (clash(http, socks5)) issues.push('server.http_proxy_listen: same address as server.socks5_listen');
  if (config.geoip.enabled && config.geoip.database_path === undefined) {
    issues.push('geoip.database_path: required when geoip.enabled = true');
  }
  if (config.api.enabled && config.api.token === 'CHANGE-ME-TO-A-RANDOM-TOKEN') {
    warnings.push('api.token: still the placeholder from the preset; replace it with a random token');
  }
  const users = new Set(config.users.map((u) => u.username));
  config.alerting.rules.forEach((r, i) => {
    for (const name of r.users) if (!users.has(name)) warnings.push(`alerting.rules[${i}].users: unknown user "${name}"`);
  });
}
