/**
 * Shared fixtures for the admission/limits/state tests: a validated config from a partial TOML-like
 * object, the effective user, and a log that records warnings.
 */
import { configSchema, type Config, type ConfigInput } from '../../../src/config/schema.js';
import { resolveUser, type EffectiveUser } from '../../../src/config/users.js';
import { EventBus, type EventName, type Sks5Event } from '../../../src/observe/events.js';
import type { Clock } from '../../../src/clock.js';

export function makeConfig(input: Partial<ConfigInput> = {}): Config {
  return configSchema.parse({ users: [{ username: 'alice', authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB alice'] }], ...input });
}

export function userOf(config: Config, name = 'alice'): EffectiveUser {
  const u = config.users.find((x) => x.username === name);
  if (!u) throw new Error(`no user ${name}`);
  return resolveUser(config, u);
}

export interface RecordingLog { warnings: string[]; warn(msg: string): void; info(msg: string): void }
export function recordingLog(): RecordingLog {
  const warnings: string[] = [];
  return { warnings, warn: (m) => { warnings.push(m); }, info: () => {} };
}

/** An EventBus on the test clock that records every event. */
export function recordingBus(clock: Clock): { bus: EventBus; events: Sks5Event[]; named: (n: EventName) => Sks5Event[] } {
  const bus = new EventBus(() => clock.now());
  const events: Sks5Event[] = [];
  bus.onAny((e) => events.push(e));
  return { bus, events, named: (n) => events.filter((e) => e.type === n) };
}
