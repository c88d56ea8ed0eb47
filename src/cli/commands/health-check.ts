/**
 * `sks5 health-check [--addr H:P] [--timeout S]`: TCP connect probe for container health checks.
 * Without --addr it probes the config's `server.ssh_listen` (loopback for a wildcard bind).
 */
import { connect } from 'node:net';
import { splitHostPort } from '../../host-port.js';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { GlobalOptions } from '../global-options.js';
import { loadHelperConfig, localAddressOf } from '../helper-config.js';

const DEFAULT_ADDR = '127.0.0.1:2222';

export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const r = splitHostPort(text.trim());
  if (!r.ok || r.host === '' || r.port < 1 || /[\s[\]]/.test(r.host)) return undefined;
  return { host: r.host, port: r.port };
}

export function probeTcp(host: string, port: number, timeoutMs: number): Promise<{ ok: true; ms: number } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, reason: `no answer within ${timeoutMs / 1000}s` });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true, ms: Date.now() - started });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: false, reason: err.code ?? err.message });
    });
  });
}

export function registerHealthCheck(program: Command, ctx: CliContext): void {
  program
    .command('health-check')
    .description('check that a listener accepts TCP connections (exit 0 = OK, 1 = FAIL)')
    .option('--addr <host:port>', `address to probe (default: server.ssh_listen of the config, else ${DEFAULT_ADDR})`)
    .option('--timeout <seconds>', 'connect timeout in seconds', '5')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { addr?: string; timeout: string }>();
      let addr = opts.addr;
      if (addr === undefined) {
        const h = loadHelperConfig(opts, ctx.io.env);
        if ('error' in h) return ctx.fail(`FAIL: ${h.error}`);
        addr = h.config ? localAddressOf(h.config.server.ssh_listen) : DEFAULT_ADDR;
      }
      const target = parseHostPort(addr);
      const seconds = Number(opts.timeout);
      if (!target) return ctx.fail(`FAIL: --addr "${addr}" is not HOST:PORT`);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 300) return ctx.fail('FAIL: --timeout must be between 0 and 300 seconds');
      const r = await probeTcp(target.host, target.port, Math.round(seconds * 1000));
      if (r.ok) ctx.print(`OK: ${addr} accepted a TCP connection in ${r.ms} ms`);
      else ctx.fail(`FAIL: ${addr}: ${r.reason}`);
    });
}
