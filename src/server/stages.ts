/**
 * Builds the admission and limits stages and the state behind them.
 * (Interim wiring: global and per-user connection slots only; the durable admission/quota stages
 * replace this.)
 */
import type { Logger } from 'pino';
import { TOTP, Secret } from 'otpauth';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { EffectiveUser } from '../config/users.js';
import { allow, deny, type Decision } from '../errors.js';
import type { EventBus } from '../observe/events.js';
import type { AdmissionStage, LimitsStage } from '../pipeline/engine.js';
import type { Release } from '../pipeline/types.js';
import type { TrafficMeter } from '../relay/pipe.js';

export interface Stages {
  admission: AdmissionStage;
  limits: LimitsStage;
  verifyTotp: (username: string, secret: string, code: string) => boolean;
  close(): Promise<void>;
}

export async function createStages(deps: { config: () => Config; clock: Clock; events: EventBus; log: Logger }): Promise<Stages> {
  let active = 0;
  const perUser = new Map<string, number>();
  const admission: AdmissionStage = {
    admit(): Decision<Release> {
      const max = deps.config().limits.max_connections;
      if (max > 0 && active >= max) return deny('SKS5_DENY_CONN_LIMIT', `limits.max_connections (${max}) reached`, 'server busy');
      active += 1;
      let done = false;
      return allow({ release: () => { if (!done) { done = true; active -= 1; } } });
    },
    recordAuthFailure() {},
    recordAuthSuccess() {},
    recordAclDenial() {},
  };
  const limits: LimitsStage = {
    acquire(user: EffectiveUser): Decision<TrafficMeter> {
      const n = perUser.get(user.username) ?? 0;
      if (user.maxConnections > 0 && n >= user.maxConnections) return deny('SKS5_DENY_CONN_LIMIT', `${user.username}: max_connections ${user.maxConnections} reached`, 'too many connections');
      perUser.set(user.username, n + 1);
      let done = false;
      return allow({
        account: (len: number) => ({ pass: len }),
        delayFor: () => 0,
        release: () => { if (!done) { done = true; perUser.set(user.username, (perUser.get(user.username) ?? 1) - 1); } },
      });
    },
  };
  const used = new Set<string>();
  const verifyTotp = (username: string, secret: string, code: string): boolean => {
    const totp = new TOTP({ issuer: 'sks5', label: username, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
    const delta = totp.validate({ token: code, timestamp: deps.clock.now(), window: 1 });
    if (delta === null) return false;
    const key = `${username}|${Math.floor(deps.clock.now() / 30000) + delta}`;
    if (used.has(key)) return false;
    used.add(key);
    if (used.size > 10000) used.clear();
    return true;
  };
  return { admission, limits, verifyTotp, close: async () => {} };
}
