/**
 * Builds the admission and limits stages and the durable state behind them (bans, failure windows,
 * quota counters, reputation, shell data in `<data_dir>/sks5.db`).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../observe/events.js';
import { TotpGuard } from '../auth/totp.js';
import { Admission } from '../policy/admission.js';
import type { CompiledMaintenance } from '../policy/maintenance-schedule.js';
import { GeoIpFilter } from '../policy/geoip.js';
import { Limits } from '../policy/limits.js';
import { Shaper } from '../policy/shaper.js';
import { openStateStore, type StateStore } from '../store/state.js';

export interface Stages {
  admission: Admission;
  limits: Limits;
  state: StateStore;
  geoip: GeoIpFilter | undefined;
  totp: TotpGuard;
  verifyTotp: (username: string, secret: string, code: string) => boolean;
  close(): Promise<void>;
}

export async function createStages(deps: { config: () => Config; maintenance: () => CompiledMaintenance; clock: Clock; random: () => number; events: EventBus; log: Logger; dataDir?: string | undefined; lockHeldBy?: number | undefined }): Promise<Stages> {
  const cfg = deps.config();
  const state = openStateStore({
    config: deps.config, clock: deps.clock, events: deps.events,
    log: deps.log,
    ...(deps.dataDir ? { dataDir: deps.dataDir } : {}),
    lockHeldBy: deps.lockHeldBy,
  });
  let geoip: GeoIpFilter | undefined;
  if (cfg.geoip.enabled) {
    geoip = await GeoIpFilter.open(cfg.geoip);
    if (geoip.loadError) deps.log.warn(`GeoIP: ${geoip.loadError} (fail_closed = ${cfg.geoip.fail_closed})`);
  }
  const admission = new Admission({ config: deps.config, maintenance: deps.maintenance, clock: deps.clock, events: deps.events, bans: state.bans, reputation: state.reputation, random: deps.random, ...(geoip ? { geoip } : {}) });
  const shaper = new Shaper({ config: deps.config, clock: deps.clock });
  const limits = new Limits({ config: deps.config, clock: deps.clock, events: deps.events, ledger: state.quotas, shaper });
  const totp = new TotpGuard();
  const verifyTotp = (username: string, secret: string, code: string): boolean => totp.verify(username, secret, code, deps.clock.now()).ok;
  // The maps are capped anyway; sweeping frees memory of idle sources and users sooner.
  const sweep = setInterval(() => { admission.sweep(); limits.sweep(); }, cfg.security.rate_limit_cleanup_interval * 1000);
  sweep.unref();
  return { admission, limits, state, geoip, totp, verifyTotp, close: async () => { clearInterval(sweep); state.close(); } };
}
