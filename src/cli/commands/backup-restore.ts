/**
 * `sks5 backup -o FILE --token T [--api-addr URL]` and `sks5 restore -i FILE --token T`: the
 * original's commands over the management API. The file is the API's `data` (bans and quota
 * counters); restore accepts that or a whole enveloped response, so a backup always restores
 * (the original saved the envelope and then failed to restore it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { GlobalOptions } from '../global-options.js';
import { loadHelperConfig, localAddressOf } from '../helper-config.js';

const MAX_BACKUP_BYTES = 4 * 1024 * 1024;

interface ApiOpts { apiAddr: string; token: string }

async function call(opts: ApiOpts, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: { success?: boolean; data?: unknown; error?: unknown } | undefined; text: string }> {
  const base = /^https?:\/\//.test(opts.apiAddr) ? opts.apiAddr : `http://${opts.apiAddr}`;
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${opts.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text) as { success?: boolean; data?: unknown; error?: unknown }; } catch { json = undefined; }
  return { status: res.status, json, text };
}

const DEFAULT_API_ADDR = 'http://127.0.0.1:9091';

/**
 * Flags first, then the config the server runs from (`api.listen`, `api.token`), then
 * `SKS5_API_TOKEN` for a token kept only in the environment, then the built-in address.
 */
function resolveApi(ctx: CliContext, opts: GlobalOptions & { apiAddr?: string; token?: string }): ApiOpts | undefined {
  let apiAddr = opts.apiAddr;
  let token = opts.token;
  if (apiAddr === undefined || token === undefined) {
    const h = loadHelperConfig(opts, ctx.io.env);
    if ('error' in h) {
      ctx.fail(h.error);
      return undefined;
    }
    apiAddr ??= h.config ? `http://${localAddressOf(h.config.api.listen)}` : DEFAULT_API_ADDR;
    if (token === undefined && h.config && h.config.api.token !== '') token = h.config.api.token;
  }
  token ??= ctx.io.env['SKS5_API_TOKEN'] || undefined;
  if (token === undefined) {
    ctx.fail('error: no API token: pass --token, set api.token in the config (-c / SKS5_CONFIG) or SKS5_API_TOKEN');
    return undefined;
  }
  return { apiAddr, token };
}

/** --api-addr and --token, which resolveApi reads, for each command that talks to a running server. */
function withApiOptions(command: Command): Command {
  return command
    .option('--api-addr <url>', `management API address (default: api.listen of the config, else ${DEFAULT_API_ADDR})`)
    .option('--token <token>', 'API bearer token (default: api.token of the config, else SKS5_API_TOKEN)');
}

function problem(r: { status: number; json: { error?: unknown } | undefined; text: string }): string {
  return `HTTP ${r.status}: ${typeof r.json?.error === 'string' ? r.json.error : r.text.slice(0, 200)}`;
}

export function registerBackupRestore(program: Command, ctx: CliContext): void {
  withApiOptions(program
    .command('backup')
    .description('save bans and quota counters from a running server (GET /api/backup)')
    .option('-o, --output <file>', 'where to write the backup', 'sks5-backup.json'))
    .action(async (_o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { apiAddr?: string; token?: string; output: string }>();
      const api = resolveApi(ctx, opts);
      if (api === undefined) return;
      try {
        const r = await call(api, 'GET', '/api/backup');
        if (r.status !== 200 || !r.json?.success) return ctx.fail(`backup failed: ${problem(r)}`);
        writeFileSync(opts.output, `${JSON.stringify(r.json.data, null, 2)}\n`, { mode: 0o600 });
        ctx.print(`backup written to ${opts.output}`);
      } catch (err) {
        ctx.fail(`backup failed: ${(err as Error).message}`);
      }
    });
  withApiOptions(program
    .command('restore')
    .description('restore bans and quota counters into a running server (POST /api/restore)')
    .requiredOption('-i, --input <file>', 'a file written by `sks5 backup` (or a saved /api/backup response)'))
    .action(async (_o: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { apiAddr?: string; token?: string; input: string }>();
      const api = resolveApi(ctx, opts);
      if (api === undefined) return;
      let payload: unknown;
      try {
        const text = readFileSync(opts.input, 'utf8');
        if (Buffer.byteLength(text) > MAX_BACKUP_BYTES) return ctx.fail(`restore failed: ${opts.input} is larger than ${MAX_BACKUP_BYTES} bytes`);
        payload = JSON.parse(text);
      } catch (err) {
        return ctx.fail(`restore failed: cannot read ${opts.input}: ${(err as Error).message}`);
      }
      try {
        const r = await call(api, 'POST', '/api/restore', payload);
        if (r.status !== 200 || !r.json?.success) return ctx.fail(`restore failed: ${problem(r)}`);
        const d = r.json.data as { restored_bans?: number; restored_quotas?: number };
        ctx.print(`restored ${d.restored_bans ?? 0} bans and ${d.restored_quotas ?? 0} quota records`);
      } catch (err) {
        ctx.fail(`restore failed: ${(err as Error).message}`);
      }
    });
}
