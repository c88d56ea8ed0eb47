/**
 * What a key or certificate allows once it has authenticated. authorized_keys options and
 * certificate extensions/critical options both reduce to this one shape, so the channel code asks
 * one question ("may this connection forward?") whatever the credential was.
 */
export interface KeyRestrictions {
  /** false: `no-port-forwarding`/`restrict`, or a certificate without permit-port-forwarding. */
  readonly portForwarding: boolean;
  readonly pty: boolean;
  /**
   * A forced command (`command=` or the `force-command` critical option). We never run programs,
   * so it cannot be honoured as written; it is enforced strictly instead: every shell and exec on
   * the connection is refused. Forwarding is unaffected, as in OpenSSH.
   */
  readonly forcedCommand: string | undefined;
  /** `permitopen="host:port"` entries; undefined = no restriction. */
  readonly permitOpen: readonly PermitOpen[] | undefined;
}

export interface PermitOpen {
  /** lower-cased host name or address text as written (no resolution, like sshd) */
  readonly host: string;
  /** undefined = any port (`*`) */
  readonly port: number | undefined;
}

export const UNRESTRICTED: KeyRestrictions = Object.freeze({ portForwarding: true, pty: true, forcedCommand: undefined, permitOpen: undefined });

/** True when `permitopen` allows `host:port` (exact host text, case-insensitive, like sshd). */
export function permitOpenAllows(list: readonly PermitOpen[] | undefined, host: string, port: number): boolean {
  if (list === undefined) return true;
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return list.some((p) => (p.host === '*' || p.host === h) && (p.port === undefined || p.port === port));
}

export function parsePermitOpen(value: string): PermitOpen {
  const m = /^(\[[^\]]+\]|[^:]+|[0-9a-fA-F:]+):(\d{1,5}|\*)$/.exec(value) ?? /^\[([^\]]+)\]:(\d{1,5}|\*)$/.exec(value);
  if (!m) throw new Error(`permitopen="${value}": expected host:port or [ipv6]:port (port may be *)`);
  const host = m[1]!.replace(/^\[|\]$/g, '').toLowerCase();
  const port = m[2] === '*' ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new Error(`permitopen="${value}": port ${port} is out of range`);
  return { host, port };
}
