/**
 * The world a connection sees: a validated config and everything compiled from it (effective users,
 * their ACLs, source_ips and time windows, the maintenance schedules). Built whole before it is swapped in on reload; established connections keep the
 * snapshot they started with.
 */
import type { Config } from '../config/schema.js';
import { resolveUsers, type EffectiveUser } from '../config/users.js';
import { compileAcl, type CompiledAcl } from '../policy/acl.js';
import { compileMaintenanceWindows, type CompiledMaintenance } from '../policy/maintenance-schedule.js';
import { compileSsrfGuard, type SsrfGuard } from '../policy/ssrf-guard.js';

export interface World {
  readonly config: Config;
  readonly users: ReadonlyMap<string, EffectiveUser>;
  readonly acls: ReadonlyMap<string, CompiledAcl>;
  /** The anti-SSRF guard with `security.ip_guard_exemptions`, for every door and the shell. */
  readonly ssrfGuard: SsrfGuard;
  /** `[[maintenance_windows]]` parsed once: admission and the maintenance watcher ask it for the window now. */
  readonly maintenance: CompiledMaintenance;
  readonly loadedAt: number;
}

/**
 * Throws when a rule does not compile (AclSyntaxError) or a schedule does not parse
 * (MaintenanceScheduleError, naming maintenance_windows[i].schedule); check-config reports the same errors first.
 */
export function buildWorld(config: Config, now = Date.now()): World {
  const users = resolveUsers(config);
  const acls = new Map<string, CompiledAcl>();
  for (const [name, u] of users) acls.set(name, compileAcl(u.acl));
  const ssrfGuard = compileSsrfGuard(config.security.ip_guard_enabled, config.security.ip_guard_exemptions);
  const maintenance = compileMaintenanceWindows(config.maintenance_windows);
  return Object.freeze({ config, users, acls, ssrfGuard, maintenance, loadedAt: now });
}
