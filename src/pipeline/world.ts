/**
 * The world a connection sees: a validated config and everything compiled from it (effective users,
 * their ACLs). Built whole before it is swapped in on reload; established connections keep the
 * snapshot they started with.
 */
import type { Config } from '../config/schema.js';
import { resolveUsers, type EffectiveUser } from '../config/users.js';
import { compileAcl, type CompiledAcl } from '../policy/acl.js';
import { compileSsrfGuard, type SsrfGuard } from '../policy/ssrf-guard.js';

export interface World {
  readonly config: Config;
  readonly users: ReadonlyMap<string, EffectiveUser>;
  readonly acls: ReadonlyMap<string, CompiledAcl>;
  /** The anti-SSRF guard with `security.ip_guard_exemptions`, for every door and the shell. */
  readonly ssrfGuard: SsrfGuard;
  readonly loadedAt: number;
}

/** Throws (AclSyntaxError) when a rule does not compile; check-config reports the same error first. */
export function buildWorld(config: Config, now = Date.now()): World {
  const users = resolveUsers(config);
  const acls = new Map<string, CompiledAcl>();
  for (const [name, u] of users) acls.set(name, compileAcl(u.acl));
  const ssrfGuard = compileSsrfGuard(config.security.ip_guard_enabled, config.security.ip_guard_exemptions);
  return Object.freeze({ config, users, acls, ssrfGuard, loadedAt: now });
}
