// The per-connection policy path measured in-process, with no sockets: admission, the SOCKS5 auth
// fast lane and authorize, the session registry, the account and ACL checks, the limits stage and
// a tunnel's meter (two chunks accounted and shaped). Compare with the in-server cost measured by
// cutting the same stages out (docs/performance.md): the gap is cache misses and the collector.
// Usage: node scripts/bench/policy-micro.mjs [PARTS=admit,auth,limits,sessions]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfigFile } from '../../dist/src/config/load.js';
import { buildWorld } from '../../dist/src/pipeline/world.js';
import { EventBus } from '../../dist/src/observe/events.js';
import { createMetrics } from '../../dist/src/observe/metrics.js';
import { createStages } from '../../dist/src/server/stages.js';
import { Pipeline } from '../../dist/src/pipeline/engine.js';
import { SessionRegistry } from '../../dist/src/pipeline/sessions.js';
import { DnsCache } from '../../dist/src/relay/dns-cache.js';
import { VerifiedPasswordCache } from '../../dist/src/auth/verified-cache.js';
import { createSocksAuthenticator } from '../../dist/src/socks/auth.js';
import { systemClock } from '../../dist/src/clock.js';
import { BENCH_PASS, BENCH_USER, hashBenchPasswordLight, oursConfigToml } from './ours-server.mjs';

const parts = (process.argv[2] ?? 'admit,auth,limits,sessions').split(',');
const dir = mkdtempSync(join(tmpdir(), 'sks5-policy-micro-'));
try {
  const toml = oursConfigToml({ dir, socksPort: 1, sshPort: 2, passwordHash: await hashBenchPasswordLight(), policy: 'full' });
  writeFileSync(join(dir, 'config.toml'), toml);
  const { config } = loadConfigFile(join(dir, 'config.toml'));
  const log = pino({ level: 'warn' });
  const events = new EventBus();
  const world = buildWorld(config);
  const stages = await createStages({ config: () => world.config, clock: systemClock, events, log, dataDir: join(dir, 'data') });
  createMetrics({ events, scraped: false, maxLabels: 100, bannedIps: () => 0, persistence: () => ({ flushes: 0, errors: 0 }) });
  const sessions = new SessionRegistry();
  const pipeline = new Pipeline({
    world: () => world, events, clock: systemClock, log, sessions,
    dns: new DnsCache({ ttl: 60, maxEntries: 100, clock: systemClock }), admission: stages.admission, limits: stages.limits,
  });
  const auth = createSocksAuthenticator(pipeline, stages.verifyTotp, new VerifiedPasswordCache({ ttlSecs: () => 300, clock: systemClock }));
  // The first login pays Argon2id; every measured one takes the cached fast lane, as in the bench.
  const first = await auth(pipeline.newClient('127.0.0.1', 1, 'socks5'), BENCH_USER, Buffer.from(BENCH_PASS));
  if (!first.allow) throw new Error('bench user did not authenticate');
  const user = world.users.get(BENCH_USER);
  const acl = world.acls.get(BENCH_USER);

  const once = (i) => {
    const client = pipeline.newClient('127.0.0.1', 1024 + (i & 0x7fff), 'socks5');
    const slot = parts.includes('admit') ? pipeline.admit(client) : undefined;
    const unregister = parts.includes('sessions')
      ? sessions.add({ connId: client.connId, door: 'socks5', sourceIp: client.ip, sourcePort: client.port, startedAt: client.startedAt, tunnels: new Map(), close() {} })
      : undefined;
    if (parts.includes('auth')) {
      const r = auth(client, BENCH_USER, Buffer.from(BENCH_PASS));
      if (r instanceof Promise || !r.allow) throw new Error('expected the synchronous fast lane');
    }
    if (parts.includes('limits')) {
      pipeline.checkAccount(client, user);
      acl.precheck('127.0.0.1', 21099);
      acl.check('127.0.0.1', '127.0.0.1', 21099);
      const m = stages.limits.acquire(user, client.ip);
      if (!m.allow) throw new Error(m.operator);
      m.value.account(32, 'up'); m.value.delayFor(32); m.value.account(32, 'down'); m.value.delayFor(32); m.value.release();
    }
    unregister?.();
    if (slot?.allow) slot.value.release();
  };
  for (let i = 0; i < 20_000; i++) once(i); // warm-up: let the JIT settle
  for (let round = 0; round < 3; round++) {
    const n = 100_000;
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++) once(i);
    const d = process.cpuUsage(cpu);
    console.log(`${parts.join('+')}: ${((d.user + d.system) / n).toFixed(2)} µs CPU per connection (${n} in a loop)`);
  }
  await stages.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
