/**
 * The error catalogue. Each code is stable and never reused; its wire mapping (SOCKS5 reply,
 * SSH channel-open failure reason, HTTP status) is written here once and nowhere else.
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

interface Wire { socks: number; ssh: number; http: number; metric: string }

export const ERRORS = {
  SKS5_DENY_ACL: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 403, metric: 'acl_denied' },
  SKS5_DENY_SSRF: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 403, metric: 'acl_denied' },
  SKS5_DENY_GEOIP: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 403, metric: 'acl_denied' },
  SKS5_DENY_FORWARDING: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 403, metric: 'acl_denied' },
  SKS5_DENY_SOURCE_IP: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 403, metric: 'acl_denied' },
  SKS5_DENY_TIME: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 403, metric: 'time_access_denied' },
  SKS5_DENY_EXPIRED: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 403, metric: 'auth_failure' },
  SKS5_DENY_BANNED: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 403, metric: 'banned' },
  SKS5_DENY_REPUTATION: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 403, metric: 'banned' },
  SKS5_DENY_MAINTENANCE: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 503, metric: 'maintenance' },
  SKS5_DENY_RATE: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.RESOURCE_SHORTAGE, http: 429, metric: 'rate_limited' },
  SKS5_DENY_QUOTA: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.RESOURCE_SHORTAGE, http: 429, metric: 'quota_exceeded' },
  SKS5_DENY_CONN_LIMIT: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.RESOURCE_SHORTAGE, http: 429, metric: 'rate_limited' },
  SKS5_DENY_FINGERPRINT: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 403, metric: 'acl_denied' },
  SKS5_ERR_AUTH: { socks: SOCKS_REPLY.NOT_ALLOWED, ssh: SSH_OPEN.ADMINISTRATIVELY_PROHIBITED, http: 401, metric: 'auth_failure' },
  SKS5_ERR_DNS: { socks: SOCKS_REPLY.HOST_UNREACHABLE, ssh: SSH_OPEN.CONNECT_FAILED, http: 502, metric: 'dns_failure' },
  SKS5_ERR_REFUSED: { socks: SOCKS_REPLY.CONNECTION_REFUSED, ssh: SSH_OPEN.CONNECT_FAILED, http: 502, metric: 'connection_refused' },
  SKS5_ERR_NET_UNREACHABLE: { socks: SOCKS_REPLY.NETWORK_UNREACHABLE, ssh: SSH_OPEN.CONNECT_FAILED, http: 502, metric: 'connection_refused' },
  SKS5_ERR_HOST_UNREACHABLE: { socks: SOCKS_REPLY.HOST_UNREACHABLE, ssh: SSH_OPEN.CONNECT_FAILED, http: 502, metric: 'connection_refused' },
  SKS5_ERR_TIMEOUT: { socks: SOCKS_REPLY.TTL_EXPIRED, ssh: SSH_OPEN.CONNECT_FAILED, http: 504, metric: 'connection_timeout' },
  SKS5_ERR_UPSTREAM: { socks: SOCKS_REPLY.GENERAL_FAILURE, ssh: SSH_OPEN.CONNECT_FAILED, http: 502, metric: 'relay_error' },
  SKS5_ERR_COMMAND: { socks: SOCKS_REPLY.COMMAND_NOT_SUPPORTED, ssh: SSH_OPEN.UNKNOWN_CHANNEL_TYPE, http: 400, metric: 'protocol_error' },
  SKS5_ERR_ATYP: { socks: SOCKS_REPLY.ADDRESS_TYPE_NOT_SUPPORTED, ssh: SSH_OPEN.CONNECT_FAILED, http: 400, metric: 'protocol_error' },
  SKS5_ERR_PROTOCOL: { socks: SOCKS_REPLY.GENERAL_FAILURE, ssh: SSH_OPEN.CONNECT_FAILED, http: 400, metric: 'protocol_error' },
  SKS5_ERR_INTERNAL: { socks: SOCKS_REPLY.GENERAL_FAILURE, ssh: SSH_OPEN.CONNECT_FAILED, http: 500, metric: 'internal_error' },
} as const satisfies Record<string, Wire>;

export type ErrorCode = keyof typeof ERRORS;

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

export function wireOf(code: ErrorCode): Wire {
  return ERRORS[code];
}

/** Map a Node socket error (ECONNREFUSED, ETIMEDOUT, ...) to a catalogued code. */
export function codeFromSocketError(err: unknown): ErrorCode {
  const c = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (c) {
    case 'ECONNREFUSED': return 'SKS5_ERR_REFUSED';
    case 'ENETUNREACH': return 'SKS5_ERR_NET_UNREACHABLE';
    case 'EHOSTUNREACH': case 'EHOSTDOWN': return 'SKS5_ERR_HOST_UNREACHABLE';
    case 'ETIMEDOUT': return 'SKS5_ERR_TIMEOUT';
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_FAIL': case 'EAI_NONAME': return 'SKS5_ERR_DNS';
    default: return 'SKS5_ERR_HOST_UNREACHABLE';
  }
}
