/**
 * The ordered stages of one connection, as data, with the catalogued codes each stage can refuse
 * with. docs/pipeline.md's table is generated from this list and the error catalogue (`npm run
 * gen`); for stages that answer with a reply code, the SOCKS5 / SSH / HTTP columns are derived
 * from the codes, so the drawing cannot claim a reply the catalogue does not send.
 */
import type { ErrorCode } from '../errors.js';

export interface StageInfo {
  readonly name: string;
  /** What the stage does, in a few words (the drawing's first column). */
  readonly does: string;
  /** Codes this stage refuses with (src/errors.ts). */
  readonly codes: readonly ErrorCode[];
  /** For stages that do not answer with a reply code: what each door does on failure. */
  readonly text?: { readonly socks5: string; readonly ssh: string; readonly http: string };
}

export const STAGES = [
  { name: 'accept', does: 'TCP accept, PROXY protocol', codes: [], text: { socks5: 'close', ssh: 'close', http: 'close' } },
  {
    name: 'admission', does: 'allowlist, ban, reputation, per-IP rate, GeoIP, maintenance, pre-auth budget (max_startups, per source)',
    codes: ['SKS5_DENY_MAINTENANCE', 'SKS5_DENY_SOURCE_IP', 'SKS5_DENY_GEOIP', 'SKS5_DENY_BANNED', 'SKS5_DENY_REPUTATION', 'SKS5_DENY_RATE', 'SKS5_DENY_STARTUPS', 'SKS5_DENY_STARTUPS_SOURCE'],
    text: { socks5: 'close; 0xFF once greeting read', ssh: 'close before our banner', http: 'status of the code, then close' },
  },
  {
    name: 'handshake', does: 'SOCKS5 greeting and request, SSH ident and KEXINIT fingerprint, HTTP request line and headers',
    codes: ['SKS5_ERR_PROTOCOL', 'SKS5_ERR_COMMAND', 'SKS5_ERR_ATYP', 'SKS5_ERR_BAD_TARGET', 'SKS5_ERR_HTTP_HEADERS_TOO_LARGE', 'SKS5_ERR_HTTP_TIMEOUT'],
    text: { socks5: 'close (a malformed request gets its reply code first)', ssh: 'policy deny', http: '400 (431 headers over 16 KiB, 408 header timeout), then close' },
  },
  {
    name: 'auth', does: 'Argon2id, public key, certificate, TOTP, method chain',
    codes: ['SKS5_ERR_AUTH'],
    text: { socks5: 'RFC 1929 status 0x01', ssh: 'USERAUTH_FAILURE (+ methods left)', http: '407' },
  },
  {
    name: 'authorize', does: 'expiry, per-user source_ips, time window, client fingerprint (at login); the live account, allow_forwarding, its ACL (per tunnel)',
    codes: ['SKS5_DENY_EXPIRED', 'SKS5_DENY_SOURCE_IP', 'SKS5_DENY_TIME', 'SKS5_DENY_FINGERPRINT', 'SKS5_DENY_FORWARDING', 'SKS5_DENY_ACL'],
  },
  { name: 'limits', does: 'an authenticated slot, max_connections (at login); per-user slots, rate windows, connection and bandwidth quotas (per tunnel)', codes: ['SKS5_DENY_CONN_LIMIT', 'SKS5_DENY_RATE', 'SKS5_DENY_QUOTA'] },
  {
    name: 'connect', does: 'ACL on the name, DNS, ACL on each address, anti-SSRF, connect (retry, upstream)',
    codes: ['SKS5_DENY_ACL', 'SKS5_DENY_SSRF', 'SKS5_ERR_DNS', 'SKS5_ERR_REFUSED', 'SKS5_ERR_NET_UNREACHABLE', 'SKS5_ERR_HOST_UNREACHABLE', 'SKS5_ERR_TIMEOUT', 'SKS5_ERR_CONNECT', 'SKS5_ERR_UPSTREAM', 'SKS5_ERR_UPSTREAM_DENIED'],
  },
  {
    name: 'relay', does: 'count, shape, quota cut, idle timeout',
    codes: [], text: { socks5: 'close + audit event', ssh: 'channel close + audit event', http: 'close + audit event' },
  },
] as const satisfies readonly StageInfo[];

export type StageName = (typeof STAGES)[number]['name'];
