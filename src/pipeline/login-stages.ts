/**
 * The stages of one connection before its first tunnel, as tables run in the order of STAGES
 * (run.ts), like the per-tunnel ones of tunnel-stages.ts:
 *   accept: admission (allowlist, ban, reputation, rate, GeoIP, maintenance, pre-auth budget);
 *   login:  authorize (expiry, source_ips, time window, client fingerprint), then limits (the
 *           pre-auth slot becomes an authenticated one, refused when max_connections is full).
 * Both answer synchronously: admission runs on every accept and must cost no microtask.
 * The stages decide and fill the context; the engine reports a refusal once.
 */
import type { Clock } from '../clock.js';
import type { EffectiveUser } from '../config/users.js';
import { allow, deny, type Decision } from '../errors.js';
import { checkAccount } from './account.js';
import type { SyncStageTable } from './run.js';
import type { AdmissionSlot, ClientInfo } from './types.js';

export interface AcceptContext {
  readonly client: ClientInfo;
  /** The pre-auth slot admission granted (admission). */
  slot?: AdmissionSlot;
}

export interface LoginContext {
  readonly client: ClientInfo;
  readonly user: EffectiveUser;
  /** The connection's pre-auth slot, when admission gave one (the shell's `test` has none). */
  readonly pending: AdmissionSlot | undefined;
  /** Set once authorize passed: a later refusal is not an authentication failure. */
  authorized?: boolean;
}

export interface LoginStageDeps {
  clock: Clock;
  admission: { admit(ip: string): Decision<AdmissionSlot> };
  /** The KEXINIT fingerprint the SSH door read on this connection, if any. */
  clientFingerprint: (connId: string) => string | undefined;
  /** Live status of an SSH client fingerprint in the gate store (approved/pending/blocked). */
  fingerprintStatus?: ((fingerprint: string) => string | null) | undefined;
}

/** admission: the source may open a connection now; it holds a pre-auth slot until login or close. */
export function admitSource(admission: LoginStageDeps['admission']) {
  return (ctx: AcceptContext): Decision => {
    const d = admission.admit(ctx.client.ip);
    if (!d.allow) return d;
    ctx.slot = d.value;
    return allow();
  };
}

/**
 * `require_approved_fingerprint` (global, group or user): the SSH client's KEXINIT fingerprint,
 * read by the door before auth, must be approved in the gate store, read live so an approval
 * made with `sshgate approve` or the API applies at once. SOCKS5 has no SSH handshake: not applied.
 */
export function checkClientFingerprint(client: ClientInfo, user: EffectiveUser, d: Pick<LoginStageDeps, 'clientFingerprint' | 'fingerprintStatus'>): Decision {
  if (!user.requireApprovedFingerprint || client.door !== 'ssh') return allow();
  const fp = d.clientFingerprint(client.connId);
  if (!fp) return deny('SKS5_DENY_FINGERPRINT', `${user.username}: SSH client fingerprint unknown (no KEXINIT seen)`, 'this SSH client is not approved yet: ask an administrator to approve it');
  const status = d.fingerprintStatus?.(fp) ?? null;
  if (status !== 'approved') return deny('SKS5_DENY_FINGERPRINT', `${user.username}: SSH client fingerprint ${fp} is ${status ?? 'unknown'}, require_approved_fingerprint is on`, `this SSH client is not approved yet: ask an administrator to approve its fingerprint ${fp}`);
  return allow();
}

/**
 * authorize at login: the account rules that do not depend on a target (expiry, per-user
 * source_ips, time window), then the client fingerprint. Checked at login on every door (the
 * original let an SSH shell in from anywhere and at any time).
 */
export function authorizeLogin(d: Omit<LoginStageDeps, 'admission'>) {
  return (ctx: LoginContext): Decision => {
    const acc = checkAccount(ctx.user, ctx.client.ip, d.clock.now());
    if (!acc.allow) return acc;
    const fp = checkClientFingerprint(ctx.client, ctx.user, d);
    if (!fp.allow) return fp;
    ctx.authorized = true;
    return allow();
  };
}

/** limits at login: valid credentials, but no authenticated slot left is a refusal, not an auth failure. */
export function promoteSlot(ctx: LoginContext): Decision {
  return ctx.pending === undefined ? allow() : ctx.pending.promote();
}

export function loginSequences(deps: LoginStageDeps): { accept: SyncStageTable<AcceptContext>; login: SyncStageTable<LoginContext> } {
  return {
    accept: { admission: admitSource(deps.admission) },
    login: { authorize: authorizeLogin(deps), limits: promoteSlot },
  };
}
