/**
 * `sks5 demo`: a real server on 127.0.0.1 with users alice/bob/charlie, the API and dashboard on,
 * and genuine traffic (alice and bob tunnel to a local target every ~2 s) so the dashboard has live
 * sessions, bytes, quotas and events. The API token is random (the API refuses short tokens) and
 * printed with a ready-to-open dashboard URL. Data lives in a temp dir removed at exit, unless
 * --data-dir is given. SIGINT/SIGTERM stop the traffic, drain, and exit 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_ARGON2, hashPassword } from '../../auth/password.js';
import { buildConfig, type LoadedConfig } from '../../config/load.js';
import { generateToken } from '../../config/presets.js';
import type { CliContext } from '../context.js';
import { buildDemoConfig, DEMO_USERS } from '../demo/config.js';
import { startDemoTarget, type DemoTarget } from '../demo/target.js';
import { startDemoTraffic, type DemoTraffic } from '../demo/traffic.js';
import { describeLoadError, flagSets, type GlobalOptions } from '../global-options.js';
import { parseListenAddress } from '../../host-port.js';
import type { RunningServer } from '../../server/start.js';

interface DemoOptions extends GlobalOptions {
  sshPort: number;
  socks5Port: number;
  apiPort: number;
  password: string;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535 (0 = any free port)');
  return n;
}

/** Resolves with the first SIGINT/SIGTERM; listening starts before the server so none is missed. */
function nextStopSignal(): { signal: Promise<string>; dispose(): void } {
  let handler: ((sig: string) => void) | undefined;
  const signal = new Promise<string>((resolve) => { handler = resolve; });
  const onTerm = (): void => handler?.('SIGTERM');
  const onInt = (): void => handler?.('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return { signal, dispose: () => { process.off('SIGTERM', onTerm); process.off('SIGINT', onInt); } };
}

function printBanner(ctx: CliContext, a: { ssh: string; socks5: string; api: string; metrics?: string | undefined }, password: string, token: string, target: DemoTarget, dataDir: string, temporary: boolean): void {
  const ssh = parseListenAddress(a.ssh);
  const url = `http://${a.api}/dashboard#token=${token}`;
  ctx.print('sks5 demo is running (loopback only; Ctrl-C to stop)');
  ctx.print(`  SSH listen:     ${a.ssh}`);
  ctx.print(`  SOCKS5 listen:  ${a.socks5}`);
  ctx.print(`  API listen:     ${a.api}`);
  if (a.metrics) ctx.print(`  metrics:        http://${a.metrics}/metrics`);
  ctx.print(`  users:          ${DEMO_USERS.join(', ')} (password: ${password})`);
  ctx.print(`  API token:      ${token}`);
  ctx.print(`  dashboard URL:  ${url}`);
  ctx.print(`  demo target:    http://${target.host}:${target.port}/ (the only destination the ACL allows)`);
  ctx.print(`  data dir:       ${dataDir}${temporary ? ' (removed at exit)' : ''}`);
  ctx.print('  traffic:        alice and bob open real SOCKS5 tunnels to the target every 2 s; charlie is yours');
  ctx.print('Try:');
  ctx.print(`  curl --socks5-hostname charlie:${password}@${a.socks5} http://${target.host}:${target.port}/`);
  ctx.print(`  curl -H 'Authorization: Bearer ${token}' http://${a.api}/api/sessions`);
  ctx.print(`  ssh -p ${ssh.port} charlie@${ssh.host}`);
  ctx.print(`  ssh -p ${ssh.port} -N -D 1081 charlie@${ssh.host}   # then: curl --socks5-hostname 127.0.0.1:1081 http://${target.host}:${target.port}/`);
}

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('run a local demo: users alice/bob/charlie, API + dashboard, live generated traffic')
    .option('--ssh-port <port>', 'SSH port on 127.0.0.1', parsePort, 2222)
    .option('--socks5-port <port>', 'SOCKS5 port on 127.0.0.1', parsePort, 1080)
    .option('--api-port <port>', 'API and dashboard port on 127.0.0.1', parsePort, 9091)
    .option('--password <password>', 'password of alice, bob and charlie', 'demo')
    .action(async (_opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DemoOptions>();
      if (opts.password === '') return ctx.fail('error: --password must not be empty');
      const stop = nextStopSignal();
      const temporary = opts.dataDir === undefined;
      const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'sks5-demo-'));
      let target: DemoTarget | undefined;
      let traffic: DemoTraffic | undefined;
      let server: RunningServer | undefined;
      try {
        target = await startDemoTarget();
        const token = generateToken();
        const hashes = await Promise.all(DEMO_USERS.map(() => hashPassword(opts.password, DEFAULT_ARGON2)));
        const raw = buildDemoConfig({
          sshPort: opts.sshPort, socks5Port: opts.socks5Port, apiPort: opts.apiPort, dataDir, apiToken: token,
          passwordHashes: hashes as [string, string, string], target,
        });
        // --log-level and --set still apply; listen addresses and the data dir come from the demo's own flags.
        let loaded: LoadedConfig;
        try {
          loaded = buildConfig(structuredClone(raw) as Record<string, unknown>, 'demo', { sets: flagSets({ ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}), ...(opts.set ? { set: opts.set } : {}) }, {}) });
        } catch (err) {
          return ctx.fail(describeLoadError(err));
        }
        // Imported lazily like `run`: the other subcommands never load the server.
        const { startServer } = await import('../../server/start.js');
        const { createLogger } = await import('../../observe/log.js');
        const log = createLogger({ level: loaded.config.logging.level, format: loaded.config.logging.format });
        server = await startServer({ config: loaded.config, log });
        const a = server.addresses;
        if (!a.ssh || !a.socks5 || !a.api) throw new Error('a demo listener did not start');
        const socks = parseListenAddress(a.socks5);
        traffic = startDemoTraffic({
          socks: { host: socks.host, port: socks.port },
          target,
          users: [{ username: 'alice', password: opts.password }, { username: 'bob', password: opts.password }],
          onError: (user, err) => log.debug({ user, err: err.message }, 'demo tunnel failed'),
        });
        printBanner(ctx, { ssh: a.ssh, socks5: a.socks5, api: a.api, metrics: a.metrics }, opts.password, token, target, dataDir, temporary);
        const sig = await stop.signal;
        ctx.print(`${sig}: stopping the demo`);
      } catch (err) {
        ctx.fail(`error: ${(err as Error).message}`);
      } finally {
        stop.dispose();
        traffic?.stop();
        await server?.shutdown('demo stopped').catch((e: Error) => ctx.fail(`error: shutdown: ${e.message}`));
        await target?.close();
        if (temporary) rmSync(dataDir, { recursive: true, force: true });
      }
    });
}
