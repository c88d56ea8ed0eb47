/**
 * The fields of an audit record (audit log lines, the `data` of generic webhooks): our event's
 * fields plus the original sks5's names and values for the same facts, so log pipelines and
 * webhook receivers built on the original keep matching. Our own fields stay beside them.
 *
 * The original's values differ from ours in one place that matters to filters: on the SOCKS5
 * door its `auth.success`/`auth.failure` carry `method: "socks5"` (`"socks5+totp"` when the
 * password was right and the TOTP code wrong), while `session.authenticated` carries the
 * credential ("password", "password+totp"). Our credential label is kept as `auth_method`.
 */
import type { Sks5Event } from './events.js';

type Fields = Record<string, unknown>;

/** The original's `method` for auth.success / auth.failure. */
export function originalAuthMethod(type: 'auth.success' | 'auth.failure', door: string, method: string): string {
  if (door === 'socks5' || door === 'socks5-tls') return type === 'auth.failure' && method.endsWith('+totp') ? 'socks5+totp' : 'socks5';
  // The HTTP proxy door is ours (the original has none): named like the SOCKS5 door's values.
  if (door === 'http' || door === 'http-tls') return type === 'auth.failure' && method.endsWith('+totp') ? 'http+totp' : 'http';
  // SSH: the original named the method that carried the login ("password", "publickey"), also
  // when a TOTP code rode inside the password; the first factor of our label is that method.
  return method.split('+')[0] ?? method;
}

/** Our event's fields plus the original's, without `timestamp`/`event_type` (the caller adds them). */
export function auditFields(event: Sks5Event): Fields {
  const out: Fields = { ...event.data };
  if (typeof out['conn_id'] === 'string') out['correlation_id'] = out['conn_id'];
  switch (event.type) {
    case 'auth.success':
    case 'auth.failure': {
      const d = event.data;
      out['auth_method'] = d.method;
      out['method'] = originalAuthMethod(event.type, d.protocol, d.method);
      break;
    }
    case 'proxy.complete': {
      const d = event.data;
      out['bytes_uploaded'] = d.bytes_up;
      out['bytes_downloaded'] = d.bytes_down;
      out['bytes_transferred'] = d.bytes_up + d.bytes_down;
      break;
    }
    case 'quota.exceeded':
      out['quota_type'] = event.data.quota;
      out['current_usage'] = event.data.used;
      break;
    case 'session.ended':
      out['duration_secs'] = Math.floor(event.data.duration_ms / 1000);
      break;
    case 'rate_limit.exceeded':
      out['limit_type'] = event.data.limit;
      break;
    default:
      break;
  }
  return out;
}
