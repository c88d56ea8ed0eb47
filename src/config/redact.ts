/**
 * `show-config` output with every secret replaced by "***": password hashes (offline-crackable),
 * TOTP seeds, the API token, webhook signing secrets and credentials embedded in URLs.
 * Returns a redacted deep copy; the input is frozen and stays untouched.
 */
import type { Config } from './schema.js';

export const REDACTED = '***';

/** `socks5://u:pw@h:1` -> `socks5://u:***@h:1`; query values are hidden too (Slack-style tokens). */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Unparseable: it may still hold a secret, so hide everything after the scheme.
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0];
    return scheme ? `${scheme}${REDACTED}` : REDACTED;
  }
  if (url.password !== '') url.password = REDACTED;
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, REDACTED);
  return url.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

type Plain = Record<string, unknown>;

export function redactConfig(config: Config): Plain {
  const copy = structuredClone(config) as unknown as Plain & {
    users: Plain[];
    webhooks: Plain[];
    api: Plain;
    upstream_proxy?: Plain;
    alerting: { rules: Plain[] };
    cluster: Plain;
  };
  for (const u of copy.users) {
    if (u['password_hash'] !== undefined) u['password_hash'] = REDACTED;
    if (u['totp_secret'] !== undefined) u['totp_secret'] = REDACTED;
    if (typeof u['upstream_proxy'] === 'string') u['upstream_proxy'] = redactUrl(u['upstream_proxy']);
  }
  if (copy.api['token'] !== '') copy.api['token'] = REDACTED;
  for (const w of copy.webhooks) {
    if (w['secret'] !== undefined) w['secret'] = REDACTED;
    if (typeof w['url'] === 'string') w['url'] = redactUrl(w['url']);
  }
  for (const r of copy.alerting.rules) {
    if (typeof r['webhook_url'] === 'string') r['webhook_url'] = redactUrl(r['webhook_url']);
  }
  if (typeof copy.cluster['redis_url'] === 'string') copy.cluster['redis_url'] = redactUrl(copy.cluster['redis_url']);
  if (copy.upstream_proxy && typeof copy.upstream_proxy['url'] === 'string') copy.upstream_proxy['url'] = redactUrl(copy.upstream_proxy['url']);
  return copy;
}
