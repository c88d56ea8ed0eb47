/** Facts read from the Containerfile and compose.yaml, shared by the compose and container tests. */
import assert from 'node:assert/strict';

export interface ContainerfileFacts {
  readonly expose: number[];
  readonly volumes: string[];
  /** The HEALTHCHECK command (exec form). */
  readonly healthcheck: string[];
  readonly user: string;
}

/** Final-stage instructions of a Containerfile (EXPOSE, VOLUME, HEALTHCHECK CMD [...], USER). */
export function containerfileFacts(text: string): ContainerfileFacts {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const last = lines.map((l, i) => (l.startsWith('FROM ') ? i : -1)).filter((i) => i >= 0).pop() ?? 0;
  const stage = lines.slice(last);
  const arg = (kw: string): string[] => stage.filter((l) => l.startsWith(`${kw} `)).map((l) => l.slice(kw.length + 1).trim());
  const health = arg('HEALTHCHECK')[0] ?? '';
  const cmd = /CMD (\[.*\])\s*$/.exec(health);
  assert.ok(cmd, 'HEALTHCHECK uses the exec form');
  return {
    expose: arg('EXPOSE').flatMap((l) => l.split(/\s+/)).map(Number),
    volumes: arg('VOLUME'),
    healthcheck: JSON.parse(cmd[1] as string) as string[],
    user: arg('USER').pop() ?? '',
  };
}

export interface ComposeService {
  build?: { context?: string; dockerfile?: string };
  ports: string[];
  environment: Record<string, string>;
  volumes: string[];
  secrets: string[];
  healthcheck?: { test?: string[] };
}

export function composeService(doc: unknown, name: string): { service: ComposeService; top: { volumes?: Record<string, unknown>; secrets?: Record<string, unknown> } } {
  const top = doc as { services?: Record<string, Record<string, unknown>>; volumes?: Record<string, unknown>; secrets?: Record<string, unknown> };
  const raw = top.services?.[name];
  assert.ok(raw, `service ${name}`);
  const envRaw = raw['environment'] as Record<string, unknown> | undefined;
  assert.ok(envRaw && !Array.isArray(envRaw), 'environment is a mapping');
  const service: ComposeService = {
    ...(raw['build'] ? { build: raw['build'] as { dockerfile?: string } } : {}),
    ports: ((raw['ports'] as unknown[] | undefined) ?? []).map(String),
    environment: Object.fromEntries(Object.entries(envRaw).map(([k, v]) => [k, String(v)])),
    volumes: ((raw['volumes'] as unknown[] | undefined) ?? []).map(String),
    secrets: ((raw['secrets'] as unknown[] | undefined) ?? []).map(String),
    ...(raw['healthcheck'] ? { healthcheck: raw['healthcheck'] as { test?: string[] } } : {}),
  };
  return { service, top };
}
