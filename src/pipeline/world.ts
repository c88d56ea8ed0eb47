/**
 * The world a connection sees: a validated config and everything compiled from it (effective users,
 * their ACLs). Built whole before it is swapped in on reload; established connections keep the
 * snapshot they started with.
 */
import type { Config } from '../config/schema.js';
import { resolveUsers, type EffectiveUser } from '../config/users.js';
import { compileAcl, type CompiledAcl } from '../policy/acl.js';

export interface World {
  readonly config: Config;
  readonly users: ReadonlyMap<string, EffectiveUser>;
  readonly acls: ReadonlyMap<string, CompiledAcl>;
  readonly loadedAt: number;
}

/** Throws (AclSyntaxError) when a rule does not compile; check-config reports the same error first. */
export function buildWorld(config: Config, now = Date.now()): World {
  const users = resolveUsers(config);
  const acls = new Map<string, CompiledAcl>();
  for (const [name, u] of users) acls.set(name, compileAcl(u.acl));
  return Object.freeze({ config, users, acls, loadedAt: now });
}
