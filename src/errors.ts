/**
 * The error catalogue. Each code is stable and never reused; its wire mapping (SOCKS5 reply,
 * SSH channel-open failure reason, HTTP status) is written here once and nowhere else. Doors
 * answer through `socksReplyOf` / `sshReasonOf` / `httpStatusOf`; docs/pipeline.md's table of
 * codes is generated from this object (`npm run gen`) and a test fails when it is stale.
 *
 * `SKS5_DENY_*` codes are refusals by our own rules (policy and limits): they are the only ones
 * reported as `acl.deny`. `SKS5_ERR_*` codes are failures (network, upstream, protocol, API).
 */
export const SOCKS_REPLY = {
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const;

/** SSH_MSG_CHANNEL_OPEN_FAILURE reason codes (RFC 4254 section 5.1). */
export const SSH_OPEN = {
  ADMINISTRATIVELY_PROHIBITED: 1,
  CONNECT_FAILED: 2,
  UNKNOWN_CHANNEL_TYPE: 3,
  RESOURCE_SHORTAGE: 4,
} as const;

/**
 * policy: our rules refused (ACL, SSRF guard, account rules, admission); limit: a rate, quota or
 * slot is used up; auth: credentials; connect: the network or an upstream failed; protocol: the
 * client sent something we cannot serve; api: a management API answer; internal: our bug.
 */
export type ErrorKind = 'policy' | 'limit' | 'auth' | 'connect' | 'protocol' | 'api' | 'internal';

export interface CatalogueEntry {
  readonly kind: ErrorKind;
  /** SOCKS5 reply code (RFC 1928 REP). */
  readonly socks: number;
  /** SSH CHANNEL_OPEN_FAILURE reason (RFC 4254). */
  readonly ssh: number;
  /** HTTP status: the HTTP proxy door and the management API. */
  readonly http: number;
  /** `error_type` label of sks5_errors_total. */
  readonly metric: string;
  /** One line for the generated table in docs/pipeline.md. */
  readonly meaning: string;
}

const R = SOCKS_REPLY;
const S = SSH_OPEN;
const e = (kind: ErrorKind, socks: number, ssh: number, http: number, metric: string, meaning: string): CatalogueEntry =>
  ({ kind, socks, ssh, http, metric, meaning });

export const ERRORS = {
  SKS5_DENY_ACL: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'acl_denied', 'the ACL denies the target (name, address or port), or the account has no ACL'),
  SKS5_DENY_SSRF: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'acl_denied', 'the anti-SSRF guard refuses the resolved address'),
  SKS5_DENY_GEOIP: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'acl_denied', 'GeoIP refuses the source country'),
  SKS5_DENY_FORWARDING: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'acl_denied', 'forwarding is off for the account or the key (allow_forwarding, no-port-forwarding, permitopen)'),
  SKS5_DENY_SHELL: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'acl_denied', 'the shell is off for the account'),
  SKS5_DENY_SOURCE_IP: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'acl_denied', 'the source address is outside allowed_source_ips or the user\'s source_ips'),
  SKS5_DENY_TIME: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'time_access_denied', 'outside the user\'s time window'),
  SKS5_DENY_EXPIRED: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'auth_failure', 'the account has expired'),
  SKS5_DENY_BANNED: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'banned', 'the source address is banned'),
  SKS5_DENY_REPUTATION: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'banned', 'the source address\'s reputation score is over the threshold'),
  SKS5_DENY_MAINTENANCE: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 503, 'maintenance', 'maintenance mode'),
  SKS5_DENY_FINGERPRINT: e('policy', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 403, 'acl_denied', 'the SSH client fingerprint is not approved (require_approved_fingerprint)'),
  SKS5_DENY_RATE: e('limit', R.NOT_ALLOWED, S.RESOURCE_SHORTAGE, 429, 'rate_limited', 'a connection rate limit is reached'),
  SKS5_DENY_QUOTA: e('limit', R.NOT_ALLOWED, S.RESOURCE_SHORTAGE, 429, 'quota_exceeded', 'a connection or bandwidth quota is used up'),
  SKS5_DENY_CONN_LIMIT: e('limit', R.NOT_ALLOWED, S.RESOURCE_SHORTAGE, 429, 'rate_limited', 'too many connections or tunnels open (server or user)'),
  SKS5_DENY_STARTUPS: e('limit', R.NOT_ALLOWED, S.RESOURCE_SHORTAGE, 503, 'startups_dropped', 'too many unauthenticated connections in progress: random early drop or full (limits.max_startups); closed at accept'),
  SKS5_DENY_STARTUPS_SOURCE: e('limit', R.NOT_ALLOWED, S.RESOURCE_SHORTAGE, 429, 'startups_dropped', 'too many unauthenticated connections in progress from this source (limits.per_source_max_startups); closed at accept'),
  SKS5_ERR_AUTH: e('auth', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 407, 'auth_failure', 'authentication failed or missing'),
  SKS5_ERR_DNS: e('connect', R.HOST_UNREACHABLE, S.CONNECT_FAILED, 502, 'dns_failure', 'the target name does not resolve'),
  SKS5_ERR_REFUSED: e('connect', R.CONNECTION_REFUSED, S.CONNECT_FAILED, 502, 'connection_refused', 'the target refused the connection'),
  SKS5_ERR_NET_UNREACHABLE: e('connect', R.NETWORK_UNREACHABLE, S.CONNECT_FAILED, 502, 'connection_refused', 'the target\'s network is unreachable'),
  SKS5_ERR_HOST_UNREACHABLE: e('connect', R.HOST_UNREACHABLE, S.CONNECT_FAILED, 502, 'connection_refused', 'the target host is unreachable'),
  SKS5_ERR_TIMEOUT: e('connect', R.TTL_EXPIRED, S.CONNECT_FAILED, 504, 'connection_timeout', 'connecting to the target (or through the upstream proxy) timed out'),
  SKS5_ERR_CONNECT: e('connect', R.GENERAL_FAILURE, S.CONNECT_FAILED, 502, 'connection_failed', 'connecting failed for another reason (reset, aborted by shutdown, unknown errno)'),
  SKS5_ERR_UPSTREAM: e('connect', R.GENERAL_FAILURE, S.CONNECT_FAILED, 502, 'relay_error', 'the upstream proxy is unreachable, refused our credentials or answered a general failure'),
  SKS5_ERR_UPSTREAM_DENIED: e('connect', R.NOT_ALLOWED, S.ADMINISTRATIVELY_PROHIBITED, 502, 'relay_error', 'the upstream proxy\'s own rules refused the target (its reply 0x02)'),
  SKS5_ERR_BAD_TARGET: e('protocol', R.HOST_UNREACHABLE, S.CONNECT_FAILED, 400, 'protocol_error', 'the requested target is not a valid host name or port'),
  SKS5_ERR_COMMAND: e('protocol', R.COMMAND_NOT_SUPPORTED, S.UNKNOWN_CHANNEL_TYPE, 400, 'protocol_error', 'the command is not supported (SOCKS5 BIND, unknown commands)'),
  SKS5_ERR_ATYP: e('protocol', R.ADDRESS_TYPE_NOT_SUPPORTED, S.CONNECT_FAILED, 400, 'protocol_error', 'the address type is not supported'),
  SKS5_ERR_PROTOCOL: e('protocol', R.GENERAL_FAILURE, S.CONNECT_FAILED, 400, 'protocol_error', 'a malformed request'),
  SKS5_ERR_HTTP_HEADERS_TOO_LARGE: e('protocol', R.GENERAL_FAILURE, S.CONNECT_FAILED, 431, 'protocol_error', 'HTTP proxy: the request line and headers are larger than 16 KiB'),
  SKS5_ERR_HTTP_TIMEOUT: e('protocol', R.GENERAL_FAILURE, S.CONNECT_FAILED, 408, 'protocol_error', 'HTTP proxy: the request line and headers did not arrive within limits.http_header_timeout'),
  SKS5_ERR_INTERNAL: e('internal', R.GENERAL_FAILURE, S.CONNECT_FAILED, 500, 'internal_error', 'an unexpected error in sks5 (logged with its stack)'),
  SKS5_ERR_API_BAD_REQUEST: e('api', R.GENERAL_FAILURE, S.CONNECT_FAILED, 400, 'api_error', 'API: the request does not match its schema, or a parameter is invalid'),
  SKS5_ERR_API_UNAUTHORIZED: e('api', R.GENERAL_FAILURE, S.CONNECT_FAILED, 401, 'api_error', 'API: missing or wrong Bearer token or ticket'),
  SKS5_ERR_API_NOT_FOUND: e('api', R.GENERAL_FAILURE, S.CONNECT_FAILED, 404, 'api_error', 'API: no such route, user, group, ban or fingerprint'),
  SKS5_ERR_API_BODY_TOO_LARGE: e('api', R.GENERAL_FAILURE, S.CONNECT_FAILED, 413, 'api_error', 'API: the request body is larger than the limit'),
  SKS5_ERR_API_UPGRADE_REQUIRED: e('api', R.GENERAL_FAILURE, S.CONNECT_FAILED, 426, 'api_error', 'API: a WebSocket route was asked without the Upgrade headers'),
  SKS5_ERR_API_MEDIA_TYPE: e('api', R.GENERAL_FAILURE, S.CONNECT_FAILED, 415, 'api_error', 'API: the request body\'s content type is not JSON'),
  SKS5_ERR_API_RELOAD_FAILED: e('api', R.GENERAL_FAILURE, S.CONNECT_FAILED, 422, 'api_error', 'API: the new configuration is invalid; nothing changed'),
  SKS5_ERR_API_NO_TOKEN: e('api', R.GENERAL_FAILURE, S.CONNECT_FAILED, 503, 'api_error', 'API: no api.token is configured, so every authenticated route is refused'),
  SKS5_ERR_API_BUSY: e('api', R.GENERAL_FAILURE, S.CONNECT_FAILED, 503, 'api_error', 'API: too many live (SSE/WebSocket) clients'),
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

export function wireOf(code: ErrorCode): CatalogueEntry {
  return ERRORS[code];
}
export const socksReplyOf = (code: ErrorCode): number => ERRORS[code].socks;
export const sshReasonOf = (code: ErrorCode): number => ERRORS[code].ssh;
export const httpStatusOf = (code: ErrorCode): number => ERRORS[code].http;

/** A refusal by our own rules (ACL, guards, account, admission, limits): reported as `acl.deny`. */
export function isPolicyDenial(code: ErrorCode): boolean {
  const k = ERRORS[code].kind;
  return k === 'policy' || k === 'limit';
}

/** A refusal that counts against the client's reputation: it asked for a target our rules forbid. */
export function countsAgainstReputation(code: ErrorCode): boolean {
  return code === 'SKS5_DENY_ACL' || code === 'SKS5_DENY_SSRF';
}

/**
 * A refusal carries two messages: `operator` (detailed, for logs and audit) and `client` (short,
 * safe to show to whoever connected). Policy returns it; the caller logs, counts and replies.
 */
export interface Denial {
  allow: false;
  code: ErrorCode;
  operator: string;
  client: string;
}
export interface Allowed<T = undefined> { allow: true; value: T }
export type Decision<T = undefined> = Allowed<T> | Denial;

export function deny(code: ErrorCode, operator: string, client = 'not allowed'): Denial {
  return { allow: false, code, operator, client };
}
export function allow(): Allowed;
export function allow<T>(value: T): Allowed<T>;
export function allow<T>(value?: T): Allowed<T | undefined> {
  return { allow: true, value };
}

/** A catalogued failure thrown across a boundary (the upstream client, the connect engine). */
export class Sks5Error extends Error {
  readonly code: ErrorCode;
  readonly client: string;
  constructor(code: ErrorCode, operator: string, client = 'not allowed', options?: { cause?: unknown }) {
    super(operator, options);
    this.code = code;
    this.client = client;
    this.name = 'Sks5Error';
  }
  toDenial(): Denial {
    return deny(this.code, this.message, this.client);
  }
}

/**
 * Map a connect failure to a catalogued code: an Sks5Error keeps its own; a Node socket error
 * by its errno; anything else is a general failure (not "host unreachable": we do not know).
 */
export function codeFromSocketError(err: unknown): ErrorCode {
  if (err instanceof Sks5Error) return err.code;
  const c = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (c) {
    case 'ECONNREFUSED': return 'SKS5_ERR_REFUSED';
    case 'ENETUNREACH': return 'SKS5_ERR_NET_UNREACHABLE';
    case 'EHOSTUNREACH': case 'EHOSTDOWN': return 'SKS5_ERR_HOST_UNREACHABLE';
    case 'ETIMEDOUT': return 'SKS5_ERR_TIMEOUT';
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_FAIL': case 'EAI_NONAME': return 'SKS5_ERR_DNS';
    default: return 'SKS5_ERR_CONNECT';
  }
}

/** The short client-facing text of a connect failure. */
export function connectFailureText(code: ErrorCode): string {
  switch (code) {
    case 'SKS5_ERR_REFUSED': return 'connection refused';
    case 'SKS5_ERR_TIMEOUT': return 'connection timed out';
    case 'SKS5_ERR_NET_UNREACHABLE': return 'network unreachable';
    case 'SKS5_ERR_HOST_UNREACHABLE': return 'host unreachable';
    case 'SKS5_ERR_DNS': return 'host not found';
    case 'SKS5_ERR_UPSTREAM': case 'SKS5_ERR_UPSTREAM_DENIED': return 'upstream proxy failure';
    default: return 'general failure';
  }
}
